import { randomBytes } from 'node:crypto'
import type { Command } from '@acta/core'
import { eventually, serviceGate } from '@acta/testing'
import amqp from 'amqplib'
import { afterAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineService } from './define-service.js'
import { keyValueHandler, memoryLogger, type PutValue } from './service.fixture.js'
import { startService } from './start-service.js'
import { dropPostgresSchema, probePostgres } from '@acta/postgres'
import { probeRabbitmq } from '@acta/rabbitmq'

const postgresUrl = process.env.ACTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const amqpUrl = process.env.ACTA_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const postgres = await serviceGate('PostgreSQL', () => probePostgres(postgresUrl))
const rabbit = await serviceGate('RabbitMQ', () => probeRabbitmq(amqpUrl))
const runId = randomBytes(4).toString('hex')
const schema = `acta_service_${runId}`
// a command type of this run only, so its queue holds nothing from other runs
const type = `put-value-${runId}`

afterAll(async () => {
  if (rabbit.available) {
    const connection = await amqp.connect(amqpUrl)
    const channel = await connection.createChannel()
    await channel.deleteQueue(`acta.q.commands.${type}`)
    await channel.deleteQueue(`acta.parked.commands.${type}`)
    await connection.close()
  }
  if (!postgres.available) return
  await dropPostgresSchema(postgresUrl, schema)
})

describe.skipIf(!postgres.available || !rabbit.available)('a service on PostgreSQL and RabbitMQ', () => {
  it('is ready, and handles a command sent asynchronously through RabbitMQ', async () => {
    const service = defineService({
      name: 'key-value',
      setup: (ctx) => {
        const handle = keyValueHandler(ctx.store)
        ctx.commandBus.register(type, (command: Command) =>
          handle({ ...(command as PutValue), type: 'put-value' }),
        )
      },
      routes: (r) => [
        r.command('PUT', '/values/:key', {
          body: z.object({ value: z.string() }),
          mode: 'async',
          toCommand: ({ params, body }) => ({ type, data: { key: params.key, value: body.value } }),
        }),
      ],
      subscriptions: (s) => [s.commands([type])],
    })
    const { logger } = memoryLogger()
    const running = await startService(service, {
      logger,
      env: {
        ACTA_DATABASE_URL: `${postgresUrl}?schema=${schema}`,
        ACTA_TRANSPORT_URL: amqpUrl,
        PORT: '0',
      },
    })
    try {
      const ready = await fetch(`${running.url}/readyz`)
      expect(ready.status).toBe(200)
      expect(await ready.json()).toMatchObject({ checks: { store: 'ok', transport: 'ok' } })

      const res = await fetch(`${running.url}/values/colour`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-correlation-id': `int-${runId}` },
        body: JSON.stringify({ value: 'blue' }),
      })
      expect(res.status).toBe(202)
      const { messageId } = (await res.json()) as { messageId: string }
      await eventually(async () => (await running.context.store.readStream('value-colour')).exists, 20_000)
      const [event] = (await running.context.store.readStream('value-colour')).events
      expect(event?.data).toEqual({ key: 'colour', value: 'blue' })
      expect(event?.metadata).toMatchObject({ correlationId: `int-${runId}`, causationId: messageId })
      expect(await running.context.inbox.has(`key-value:commands.${type}`, messageId)).toBe(true)
    } finally {
      await running.stop()
    }
  })
})
