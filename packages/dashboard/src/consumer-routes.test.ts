import {
  memoryCoordination,
  memoryEventStore,
  memoryTransport,
  startOutboxRelay,
  type OutboxRelay,
} from '@acta/core'
import { openReadStores, startService, type Infrastructure, type RunningService } from '@acta/service'
import { parkMessage } from '@acta/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { adminService } from './admin-service.js'
import type { ConsumerJson } from './consumer-routes.js'

const token = 'test-admin-token-0123456789'
const auth = { authorization: `Bearer ${token}` }

async function start() {
  const store = memoryEventStore()
  const transport = memoryTransport()
  const coordination = memoryCoordination()
  const infrastructure: Infrastructure = { store, transport, ...coordination, close: async () => undefined }
  const readStores = await openReadStores('memory')
  const running = await startService(adminService({ token, readStores, app: false }), {
    infrastructure,
    config: { port: 0, logLevel: 'silent' },
  })
  return { running, store, transport, ...coordination }
}

const consumers = async (running: RunningService): Promise<ConsumerJson[]> => {
  const res = await fetch(`${running.url}/_acta/api/consumers`, { headers: auth })
  expect(res.status).toBe(200)
  return ((await res.json()) as { consumers: ConsumerJson[] }).consumers
}

const until = async <T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (check(value)) return value
    if (Date.now() > deadline) throw new Error(`condition not met in time; last: ${JSON.stringify(value)}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('consumers through the admin API', () => {
  const stops: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop()
  })

  it('shows a running outbox relay with its position, lag and live holder as it catches up', async () => {
    // Given an admin service and a relay on the same stores, with 3 events in the log
    const { running, store, transport, checkpoints, leases } = await start()
    stops.push(() => running.stop())
    for (let i = 1; i <= 3; i++) await store.append(`todo-${i}`, [{ type: 'TodoWasPosted', data: { i } }])
    const relay: OutboxRelay = startOutboxRelay({ store, transport, checkpoints, leases, owner: 'replica-1' })
    stops.push(() => relay.stop())

    // When the relay has published them
    const [caughtUp] = await until(
      () => consumers(running),
      (list) => list[0]?.position === 3,
    )

    // Then the consumers list shows it as a relay, not lagging, held by its instance
    expect(caughtUp).toMatchObject({
      name: 'outbox-relay',
      kind: 'outbox-relay',
      position: 3,
      headPosition: 3,
      lagEvents: 0,
      holder: { owner: 'replica-1', alive: true },
    })
    expect(Date.parse(caughtUp!.updatedAt)).toBeGreaterThan(Date.now() - 60_000)
    expect(Date.parse(caughtUp!.holder!.expiresAt)).toBeGreaterThan(Date.now())
    expect(caughtUp!.idleMs).toBeGreaterThanOrEqual(0)

    // And when more events arrive, its checkpoint follows them
    await store.append('todo-4', [{ type: 'TodoWasPosted', data: { i: 4 } }])
    await until(
      () => consumers(running),
      (list) => list[0]?.position === 4 && list[0].lagEvents === 0,
    )
  })

  it('lists a consumer nobody holds with its lag, and a stopped relay without a holder', async () => {
    // Given a log subscription's checkpoint behind the head and a relay that ran and stopped
    const { running, store, transport, checkpoints, leases } = await start()
    stops.push(() => running.stop())
    for (let i = 1; i <= 5; i++) await store.append(`user-${i}`, [{ type: 'UserWasRegistered', data: {} }])
    await checkpoints.save('log', 2)
    const relay = startOutboxRelay({ store, transport, checkpoints, leases, name: 'billing-relay' })
    await until(
      () => checkpoints.load('billing-relay'),
      (position) => position === 5,
    )
    await relay.stop()

    // When the consumers are listed
    const list = await consumers(running)

    // Then both are there, by name, and neither has a holder
    expect(list.map(({ name, kind, position, lagEvents }) => ({ name, kind, position, lagEvents }))).toEqual([
      { name: 'billing-relay', kind: 'outbox-relay', position: 5, lagEvents: 0 },
      { name: 'log', kind: 'log-subscription', position: 2, lagEvents: 3 },
    ])
    expect(list.every((consumer) => consumer.holder === undefined)).toBe(true)
  })

  it('answers 401 problem+json without the token', async () => {
    const { running, checkpoints } = await start()
    stops.push(() => running.stop())
    await checkpoints.save('outbox-relay', 1)
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token-wrong-token' }]
    for (const headers of attempts) {
      const res = await fetch(`${running.url}/_acta/api/consumers`, { headers })
      expect(res.status).toBe(401)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      expect(await res.text()).not.toContain('outbox-relay')
    }
  })

  it('lists the transport queues with what waits, their consumers and their parked messages', async () => {
    // Given a command queue with two waiting commands and a parked one, and a group without members
    const { running, transport } = await start()
    stops.push(() => running.stop())
    await parkMessage(transport, 'todo-write', { type: 'post-todo', data: {} })
    await (await transport.subscribe(['todo.*'], () => undefined, { group: 'mailer' })).close()
    await transport.send('todo-write', { type: 'post-todo', data: {} })
    await transport.send('todo-write', { type: 'post-todo', data: {} })
    await transport.publish('todo.TodoWasPosted', { type: 'TodoWasPosted', data: {} })

    // When the queues are listed, with the token and without
    const res = await fetch(`${running.url}/_acta/api/queues`, { headers: auth })
    const refused = await fetch(`${running.url}/_acta/api/queues`)

    // Then each queue shows its depth, consumers and parked messages; without the token, a 401
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.json()).toEqual({
      queues: [
        { queue: 'group.mailer', ready: 1, consumers: 0, parked: 0 },
        { queue: 'todo-write', ready: 2, consumers: 0, parked: 1 },
      ],
    })
    expect(refused.status).toBe(401)
    expect(await refused.text()).not.toContain('todo-write')
    // and the admin service's /metrics has the same, for alerting on a queue that grows
    const metrics = await (await fetch(`${running.url}/metrics`)).text()
    expect(metrics).toContain('acta_queue_ready_messages{queue="todo-write",service="acta-admin"} 2')
    expect(metrics).toContain('acta_queue_parked_messages{queue="todo-write",service="acta-admin"} 1')
  })
})
