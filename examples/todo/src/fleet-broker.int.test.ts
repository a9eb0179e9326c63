import { randomBytes } from 'node:crypto'
import { dropPostgresSchema, probePostgres } from '@acta/postgres'
import { probeRabbitmq } from '@acta/rabbitmq'
import { serviceGate } from '@acta/testing'
import amqp from 'amqplib'
import { afterAll, describe } from 'vitest'
import { todoFleetChecks } from './fleet-checks.fixture.js'
import { startTodoFleet } from './fleet.js'

// the same end-to-end checks as fleet.e2e.test.ts, with the fleet on PostgreSQL and RabbitMQ
const postgresUrl = process.env.ACTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const amqpUrl = process.env.ACTA_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const postgres = await serviceGate('PostgreSQL', () => probePostgres(postgresUrl))
const rabbit = await serviceGate('RabbitMQ', () => probeRabbitmq(amqpUrl))

// a schema and a broker prefix of this run only: nothing left by other runs is seen, nothing is left behind
const runId = randomBytes(4).toString('hex')
const schema = `acta_todo_${runId}`
const prefix = `todo_${runId}`
const databaseUrl = new URL(postgresUrl)
databaseUrl.searchParams.set('schema', schema)
const transportUrl = new URL(amqpUrl)
transportUrl.searchParams.set('prefix', prefix)

/** Every queue and exchange the fleet's transport may have declared under the run's prefix. */
function declaredNames(): { queues: string[]; exchanges: string[] } {
  const commandQueues = [
    'commands.mark-todo-as-expired',
    'commands.remind-todo-assignee',
    'commands.send-mail',
  ]
  // retry delays: the default 100 ms and the mailer's 500 ms, doubled per attempt up to 30 s
  const delays = new Set(
    [100, 500].flatMap((base) => [...Array(10).keys()].map((n) => Math.min(base * 2 ** n, 30_000))),
  )
  return {
    queues: [
      ...commandQueues.flatMap((queue) => [`${prefix}.q.${queue}`, `${prefix}.parked.${queue}`]),
      ...[...delays].map((delay) => `${prefix}.retry.${delay}`),
      `${prefix}.parked-catalog`,
    ],
    exchanges: [`${prefix}.events`, `${prefix}.retry`],
  }
}

afterAll(async () => {
  if (rabbit.available) {
    const connection = await amqp.connect(amqpUrl)
    const { queues, exchanges } = declaredNames()
    // a failed delete closes its channel: one channel per name
    for (const queue of queues)
      await connection.createChannel().then(
        (channel) => channel.deleteQueue(queue).then(() => channel.close()),
        () => {},
      )
    for (const exchange of exchanges)
      await connection.createChannel().then(
        (channel) => channel.deleteExchange(exchange).then(() => channel.close()),
        () => {},
      )
    await connection.close()
  }
  if (postgres.available) {
    await dropPostgresSchema(postgresUrl, schema)
  }
})

describe.skipIf(!postgres.available || !rabbit.available)('the todo fleet on PostgreSQL and RabbitMQ', () => {
  todoFleetChecks((env) =>
    startTodoFleet({
      replicas: { 'todo-write': 2, 'user-read': 2, 'process-managers': 2 },
      env: { ...env, ACTA_DATABASE_URL: databaseUrl.toString(), ACTA_TRANSPORT_URL: transportUrl.toString() },
    }),
  )
})
