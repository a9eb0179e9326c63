import { eventually } from '@acta/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineService } from './define-service.js'
import { keyValueHandler, startTestService } from './service.fixture.js'

const valueBody = z.object({
  value: z.string().min(1),
  meta: z.object({ tags: z.array(z.string()) }).optional(),
})

const service = defineService({
  name: 'command-test',
  setup: (ctx) => {
    const handle = keyValueHandler(ctx.store)
    ctx.commandBus.register('put-value', handle)
    ctx.commandBus.register('delete-value', handle)
  },
  routes: (r) => [
    r.command('PUT', '/values/:key', {
      body: valueBody,
      toCommand: ({ params, body }) => ({ type: 'put-value', data: { key: params.key, value: body.value } }),
    }),
    r.command('DELETE', '/values/:key', {
      toCommand: ({ params }) => ({ type: 'delete-value', data: { key: params.key } }),
      result: (result, { params }) => ({ key: params.key, deleted: true, version: result.version }),
    }),
    r.command('POST', '/async/values/:key', {
      body: valueBody,
      mode: 'async',
      toCommand: ({ params, body }) => ({ type: 'put-value', data: { key: params.key, value: body.value } }),
    }),
    // appends expecting a new stream on its own, so a second call conflicts without any If-Match
    r.command('POST', '/keys/:key', {
      toCommand: ({ params }) => ({ type: 'create-key', data: { key: params.key } }),
      handler: (command, _options, ctx) =>
        ctx.store.append(`key-${(command.data as { key: string }).key}`, [{ type: 'KeyCreated', data: {} }], {
          expectedVersion: 'no-stream',
        }),
    }),
  ],
  subscriptions: (s) => [s.commands(['put-value'])],
})

let running: Awaited<ReturnType<typeof startTestService<object>>>
beforeAll(async () => {
  running = await startTestService(service)
})
afterAll(() => running.stop())

const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${running.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
const put = (key: string, value: unknown, headers: Record<string, string> = {}) =>
  send('PUT', `/values/${key}`, { value }, headers)

describe('command routes', () => {
  it('answers an invalid body with 422 listing every issue with its JSON pointer', async () => {
    const res = await send('PUT', '/values/a', { value: '', meta: { tags: ['ok', 7] } })
    expect(res.status).toBe(422)
    const problem = (await res.json()) as { errors: { in: string; path: string }[] }
    expect(problem.errors.map(({ in: part, path }) => `${part}${path}`)).toEqual([
      'body/value',
      'body/meta/tags/1',
    ])
    expect((await running.context.store.readStream('value-a')).exists).toBe(false)
  })

  it('handles inline: the version as ETag, the log position as header and body', async () => {
    const res = await put('inline', 'one')
    expect(res.status).toBe(200)
    expect(res.headers.get('etag')).toBe('"1"')
    const body = (await res.json()) as { version: number; position: number }
    expect(body.version).toBe(1)
    expect(res.headers.get('acta-position')).toBe(String(body.position))
    const stream = await running.context.store.readStream('value-inline')
    expect(stream.events[0]?.globalPosition).toBe(body.position)
  })

  it('takes If-Match as the expected version and answers 412 with the actual one on mismatch', async () => {
    await put('guarded', 'one')
    const next = await put('guarded', 'two', { 'if-match': '"1"' })
    expect(next.status).toBe(200)
    expect(next.headers.get('etag')).toBe('"2"')
    const stale = await put('guarded', 'three', { 'if-match': '"1"' })
    expect(stale.status).toBe(412)
    expect(stale.headers.get('etag')).toBe('"2"')
    expect(await stale.json()).toMatchObject({ status: 412, code: 'CONCURRENCY', actualVersion: 2 })
    expect((await running.context.store.readStream('value-guarded')).version).toBe(2)
  })

  it('creates only with If-None-Match: *, and updates only an existing stream with If-Match: *', async () => {
    expect((await put('fresh', 'one', { 'if-match': '*' })).status).toBe(412)
    expect((await put('fresh', 'one', { 'if-none-match': '*' })).status).toBe(200)
    expect((await put('fresh', 'two', { 'if-none-match': '*' })).status).toBe(412)
    expect((await put('fresh', 'two', { 'if-match': '*' })).status).toBe(200)
  })

  it('answers 412 to an If-Match that is no version ETag', async () => {
    await put('tags', 'one')
    for (const tag of ['W/"1"', '"abc"', '1'])
      expect((await put('tags', 'two', { 'if-match': tag })).status).toBe(412)
    expect((await running.context.store.readStream('value-tags')).version).toBe(1)
  })

  it('answers a concurrency conflict without If-Match with 409', async () => {
    expect((await send('POST', '/keys/k1')).status).toBe(200)
    const again = await send('POST', '/keys/k1')
    expect(again.status).toBe(409)
    expect(await again.json()).toMatchObject({ status: 409, code: 'CONCURRENCY', actualVersion: 1 })
  })

  it('maps a refusal of the decider to its status and counts it', async () => {
    const res = await send('DELETE', '/values/never-set')
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ code: 'NOT_FOUND', detail: 'No value under never-set' })
    const metrics = await running.metrics.metrics()
    expect(metrics).toMatch(
      /acta_commands_refused_total\{type="delete-value",code="NOT_FOUND",service="command-test"\} 1/,
    )
  })

  it('shapes the body of a handled command with result()', async () => {
    await put('shaped', 'one')
    const res = await send('DELETE', '/values/shaped')
    expect(await res.json()).toEqual({ key: 'shaped', deleted: true, version: 2 })
  })

  it('carries the correlation id and trace context into the stored events', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
    const res = await put('traced', 'one', {
      'x-correlation-id': 'checkout-7',
      traceparent,
      tracestate: 'vendor=1',
    })
    expect(res.headers.get('x-correlation-id')).toBe('checkout-7')
    const [event] = (await running.context.store.readStream('value-traced')).events
    expect(event?.metadata).toMatchObject({
      correlationId: 'checkout-7',
      traceparent,
      tracestate: 'vendor=1',
    })
  })

  it('ignores a malformed traceparent', async () => {
    await put('badtrace', 'one', { traceparent: 'not-a-trace' })
    const [event] = (await running.context.store.readStream('value-badtrace')).events
    expect(event?.metadata.traceparent).toBeUndefined()
  })

  it('makes a retried request with the same Idempotency-Key append nothing twice', async () => {
    const first = await put('retried', 'one', { 'idempotency-key': 'put-retried-1' })
    const retry = await put('retried', 'one', { 'idempotency-key': 'put-retried-1' })
    expect(first.status).toBe(200)
    expect(retry.status).toBe(200)
    expect(retry.headers.get('etag')).toBe('"1"')
    expect((await running.context.store.readStream('value-retried')).events).toHaveLength(1)
  })

  it('sends an async command to its queue (202 with the message id); the served handler appends it', async () => {
    const res = await send(
      'POST',
      '/async/values/later',
      { value: 'soon' },
      { 'x-correlation-id': 'async-1' },
    )
    expect(res.status).toBe(202)
    const { messageId } = (await res.json()) as { messageId: string }
    expect(typeof messageId).toBe('string')
    await eventually(async () => (await running.context.store.readStream('value-later')).exists)
    const [event] = (await running.context.store.readStream('value-later')).events
    expect(event?.data).toEqual({ key: 'later', value: 'soon' })
    expect(event?.metadata).toMatchObject({ correlationId: 'async-1', causationId: messageId })
  })

  it('refuses If-Match on an async command route (400)', async () => {
    const res = await send('POST', '/async/values/later', { value: 'x' }, { 'if-match': '"1"' })
    expect(res.status).toBe(400)
  })
})
