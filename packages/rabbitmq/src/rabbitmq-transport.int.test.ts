import { randomBytes } from 'node:crypto'
import { serviceGate, transportSuite } from '@acta/testing'
import { afterAll, describe } from 'vitest'
import { adapterTests } from './adapter-tests.fixture.js'
import { hasRabbitmqctl, probe, sweep, testUrl } from './broker.fixture.js'
import { faultTests } from './fault-tests.fixture.js'
import { rabbitmqTransport, type RabbitmqTransportOptions } from './index.js'

// One file on purpose: the fault tests stop and restart the broker, and vitest runs files in
// parallel, so every test that needs RabbitMQ runs here, one after the other.
const rabbit = await serviceGate('RabbitMQ', probe)
const ctl = rabbit.available && (await hasRabbitmqctl())
// Every name this run declares starts with `run`; afterAll deletes them all.
const run = `acta-test-${randomBytes(4).toString('hex')}`
let tests = 0
const fresh = (): string => `${run}-${++tests}`
const open = (prefix: string, options: Partial<RabbitmqTransportOptions> = {}) =>
  rabbitmqTransport({ url: testUrl, prefix, connectionName: prefix, ...options })

afterAll(async () => {
  if (!rabbit.available) return
  if (ctl) await sweep(run)
  else console.warn(`rabbitmqctl is not available: queues and exchanges named ${run}* are left behind`)
})

// queues() leaves named subscribers' queues out on RabbitMQ: reading their counts (a passive
// declare) would reset their x-expires, and an abandoned replica's queue would never expire
const exceptions = {
  'lists a named subscriber’s queue':
    'RabbitMQ counts a passive declare as use of a queue: reading a named subscriber’s counts would keep it from expiring',
}

describe.skipIf(!rabbit.available)('rabbitmq transport', () => {
  transportSuite('rabbitmq', {
    async create() {
      const prefix = fresh()
      return { transport: open(prefix), connect: async () => open(prefix) }
    },
    exceptions,
  })

  transportSuite('rabbitmq (quorum queues)', {
    async create() {
      const prefix = fresh()
      const options = { queueType: 'quorum' } as const
      return { transport: open(prefix, options), connect: async () => open(prefix, options) }
    },
    exceptions,
  })

  adapterTests({ fresh, open, ctl })
})

describe.skipIf(!ctl)('rabbitmq transport under faults (needs rabbitmqctl on this machine)', () => {
  faultTests({ fresh, open })
})
