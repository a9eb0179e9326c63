import { randomBytes } from 'node:crypto'
import { serviceGate } from '@acta/testing'
import amqp from 'amqplib'
import { afterAll, describe, expect, it } from 'vitest'
import { relayKillScenario } from './relay-scenario.js'
import { dropPostgresSchema, probePostgres } from '@acta/postgres'
import { probeRabbitmq } from '@acta/rabbitmq'

const postgresUrl = process.env.ACTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const amqpUrl = process.env.ACTA_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const postgres = await serviceGate('PostgreSQL', () => probePostgres(postgresUrl))
const rabbit = await serviceGate('RabbitMQ', () => probeRabbitmq(amqpUrl))
const runId = randomBytes(4).toString('hex')
const schema = `acta_relay_${runId}`
afterAll(async () => {
  if (rabbit.available) {
    const connection = await amqp.connect(amqpUrl)
    const channel = await connection.createChannel()
    await channel.deleteQueue(`acta.q.group.effects-${runId}`)
    await channel.deleteQueue(`acta.parked.group.effects-${runId}`)
    await connection.close()
  }
  if (!postgres.available) return
  await dropPostgresSchema(postgresUrl, schema)
})

describe.skipIf(!postgres.available || !rabbit.available)('outbox relay on PostgreSQL and RabbitMQ', () => {
  it('survives kill -9 of the active relay: every event handled, each effect once, in stream order', async () => {
    const result = await relayKillScenario(
      {
        databaseUrl: `${postgresUrl}?schema=${schema}`,
        transportUrl: amqpUrl,
      },
      { id: runId },
    )
    console.log(
      `relay kill (postgres + rabbitmq): ${result.deliveries} deliveries, ${result.duplicatesSkipped} duplicates skipped`,
    )
    expect(result.deliveries).toBeGreaterThan(0)
  }, 180_000)
})
