import { randomBytes } from 'node:crypto'
import { serviceGate } from '@acta/testing'
import amqp from 'amqplib'
import pg from 'pg'
import { afterAll, describe } from 'vitest'
import { fleetChecks } from './fleet-checks.fixture.js'
import { startFleet } from './fleet.js'

// the same end-to-end checks as fleet.e2e.test.ts, with the fleet on PostgreSQL and RabbitMQ
const postgresUrl = process.env.ACTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const amqpUrl = process.env.ACTA_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const postgres = await serviceGate('PostgreSQL', async () => {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 })
  await client.connect()
  await client.end()
})
const rabbit = await serviceGate('RabbitMQ', async () =>
  (await amqp.connect(amqpUrl, { timeout: 3000 })).close(),
)

// a schema and a namespace of this run only: nothing left by other runs is seen, nothing is left behind
const runId = randomBytes(4).toString('hex')
const schema = `acta_key_value_${runId}`
const namespace = `kv_${runId}`
const databaseUrl = new URL(postgresUrl)
databaseUrl.searchParams.set('schema', schema)

afterAll(async () => {
  if (rabbit.available) {
    const connection = await amqp.connect(amqpUrl)
    const channel = await connection.createChannel()
    const queues = [`${namespace}.commands`, ...[1, 2, 3].map((i) => `subscriber.${namespace}-replica-${i}`)]
    for (const queue of queues) {
      await channel.deleteQueue(`acta.q.${queue}`)
      await channel.deleteQueue(`acta.parked.${queue}`)
    }
    await connection.close()
  }
  if (postgres.available) {
    const client = new pg.Client({ connectionString: postgresUrl })
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
    await client.end()
  }
})

describe.skipIf(!postgres.available || !rabbit.available)(
  'the key-value fleet on PostgreSQL and RabbitMQ',
  () => {
    fleetChecks(() =>
      startFleet({
        env: {
          ACTA_DATABASE_URL: databaseUrl.toString(),
          ACTA_TRANSPORT_URL: amqpUrl,
          KV_NAMESPACE: namespace,
        },
      }),
    )
  },
)
