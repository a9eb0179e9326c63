import type { StoredEvent } from '@acta/core'
import { describe, expect, it } from 'vitest'
import { defineService } from './define-service.js'
import { openInfrastructure } from './infrastructure.js'
import { keyValueHandler, startTestService } from './service.fixture.js'

describe('subscriptions', () => {
  it('keeps an in-memory read model from the log that query routes serve, live', async () => {
    const service = defineService({
      name: 'read-model',
      setup: (ctx) => {
        ctx.commandBus.register('put-value', keyValueHandler(ctx.store))
        return { values: new Map<string, string>() }
      },
      routes: (r) => [
        r.query('/values', (ctx) => Object.fromEntries(ctx.values)),
        r.command('PUT', '/values/:key', {
          toCommand: ({ params, body }) => ({
            type: 'put-value',
            data: { key: params.key, value: String(body) },
          }),
        }),
      ],
      subscriptions: (s) => [
        s.log((ctx, event) => {
          const { key, value } = event.data as { key: string; value: string }
          ctx.values.set(key, value)
        }),
      ],
    })
    const infrastructure = await openInfrastructure({ databaseUrl: 'memory', transportUrl: 'memory' })
    await infrastructure.store.append('value-old', [
      { type: 'ValuePut', data: { key: 'old', value: 'history' } },
    ])
    const running = await startTestService(service, { infrastructure })
    try {
      await expect.poll(async () => (await fetch(`${running.url}/readyz`)).status).toBe(200)
      const ready = (await (await fetch(`${running.url}/readyz`)).json()) as {
        checks: Record<string, string>
      }
      expect(ready.checks).toEqual({ store: 'ok', transport: 'ok', 'subscription log': 'ok' })
      await fetch(`${running.url}/values/new`, {
        method: 'PUT',
        body: 'live',
        headers: { 'content-type': 'text/plain' },
      })
      await expect
        .poll(async () => (await fetch(`${running.url}/values`)).json() as Promise<unknown>)
        .toEqual({ old: 'history', new: 'live' })
    } finally {
      await running.stop()
      await infrastructure.close()
    }
  })

  it('resumes a checkpointed log subscription after a restart', async () => {
    const seen: number[] = []
    const service = defineService({
      name: 'checkpointed',
      subscriptions: (s) => [
        s.log((_ctx, event) => void seen.push(event.globalPosition), { name: 'audit', checkpoint: true }),
      ],
    })
    const infrastructure = await openInfrastructure({ databaseUrl: 'memory', transportUrl: 'memory' })
    const append = (n: number) => infrastructure.store.append(`s-${n}`, [{ type: 'Happened', data: { n } }])
    try {
      await append(1)
      await append(2)
      const first = await startTestService(service, { infrastructure })
      await expect.poll(() => seen).toEqual([1, 2])
      await first.stop()
      expect(await infrastructure.checkpoints.load('audit')).toBe(2)
      await append(3)
      const second = await startTestService(service, { infrastructure })
      await expect.poll(() => seen).toEqual([1, 2, 3])
      await second.stop()
    } finally {
      await infrastructure.close()
    }
  })

  it('retries a log handler that failed from the same event, without skipping it', async () => {
    const handled: number[] = []
    let failures = 0
    const service = defineService({
      name: 'flaky',
      subscriptions: (s) => [
        s.log((_ctx, event: StoredEvent) => {
          if (event.globalPosition === 2 && failures++ === 0) throw new Error('projection bug')
          handled.push(event.globalPosition)
        }),
      ],
    })
    const infrastructure = await openInfrastructure({ databaseUrl: 'memory', transportUrl: 'memory' })
    for (const n of [1, 2, 3])
      await infrastructure.store.append(`s-${n}`, [{ type: 'Happened', data: { n } }])
    const running = await startTestService(service, { infrastructure })
    try {
      await expect.poll(() => handled).toEqual([1, 2, 3])
      expect(running.lines.some((line) => line.msg === 'log subscription failed; retrying')).toBe(true)
    } finally {
      await running.stop()
      await infrastructure.close()
    }
  })

  it('hands published messages to a topic subscription with the message’s correlation id', async () => {
    const received: { type: string; correlationId: string | undefined }[] = []
    const service = defineService({
      name: 'listener',
      subscriptions: (s) => [
        s.events(
          ['todo.*'],
          (ctx, message) => void received.push({ type: message.type, correlationId: ctx.correlationId }),
        ),
      ],
    })
    const running = await startTestService(service)
    try {
      await running.context.transport.publish('todo.TodoPosted', {
        type: 'TodoPosted',
        data: {},
        headers: { correlationId: 'flow-9' },
      })
      await running.context.transport.publish('user.UserRegistered', { type: 'UserRegistered', data: {} })
      await expect.poll(() => received).toEqual([{ type: 'TodoPosted', correlationId: 'flow-9' }])
      const metrics = await running.metrics.getSingleMetricAsString('acta_messages_handled_total')
      expect(metrics).toContain('subscription="events todo.*"')
    } finally {
      await running.stop()
    }
  })
})
