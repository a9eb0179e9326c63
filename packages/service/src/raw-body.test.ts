import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineService } from './define-service.js'
import { keyValueHandler, startTestService } from './service.fixture.js'

const describeBody = (body: Buffer | string) =>
  Buffer.isBuffer(body)
    ? { kind: 'buffer', hex: body.toString('hex') }
    : { kind: typeof body, text: body, length: body.length }

const service = defineService({
  name: 'raw-body-test',
  setup: (ctx) => {
    ctx.commandBus.register('put-value', keyValueHandler(ctx.store))
  },
  routes: (r) => [
    r.route('PUT', '/bytes/:name', (_ctx, req) => describeBody(req.body), { rawBody: 'buffer' }),
    r.route(['POST', 'PUT'], '/text', (_ctx, req) => describeBody(req.body), { rawBody: 'text' }),
    r.route('POST', '/parsed', (_ctx, req) => ({ body: req.body })),
    r.command('PUT', '/values/:key', {
      rawBody: 'text',
      body: z.string().min(1),
      toCommand: ({ params, body }) => ({ type: 'put-value', data: { key: params.key, value: body } }),
      result: (result, { body }) => ({ value: body, version: result.version }),
    }),
  ],
})

let running: Awaited<ReturnType<typeof startTestService<object>>>
beforeAll(async () => {
  running = await startTestService(service, { config: { bodyLimit: 1024 } })
})
afterAll(() => running.stop())

const send = (method: string, path: string, body?: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${running.url}${path}`, { method, headers, body: body ?? null })
const problemOf = async (res: Response) => {
  expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8')
  return (await res.json()) as Record<string, unknown>
}

describe('routes with rawBody', () => {
  it.each([
    ['application/x-www-form-urlencoded', 'a=1&b=%20'],
    ['application/json', 'myvalue'],
    ['application/octet-stream', '\u0000\u00ff'],
    ['image/png; charset=binary', 'not a png'],
    ['text/plain; charset=utf-8', '{"a":1}'],
  ])('hands a %s body to a buffer route byte for byte', async (contentType, text) => {
    // Given bytes that are not UTF-8 alongside the text
    const bytes = Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from([0xc3, 0x28, 0xfe])])
    // When they are sent with that content type
    const res = await send('PUT', '/bytes/a', bytes, { 'content-type': contentType })
    // Then the handler sees exactly those bytes
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ kind: 'buffer', hex: bytes.toString('hex') })
  })

  it('hands a body without a Content-Type to a buffer route', async () => {
    const bytes = new Uint8Array([1, 2, 3, 0, 255])
    const res = await send('PUT', '/bytes/a', bytes)
    expect(await res.json()).toEqual({ kind: 'buffer', hex: '01020300ff' })
  })

  it('gives an empty Buffer or string for an empty or absent body', async () => {
    const absent = await send('PUT', '/bytes/a')
    expect(await absent.json()).toEqual({ kind: 'buffer', hex: '' })
    const empty = await send('PUT', '/bytes/a', '', { 'content-type': 'application/json' })
    expect(await empty.json()).toEqual({ kind: 'buffer', hex: '' })
    const text = await send('POST', '/text')
    expect(await text.json()).toEqual({ kind: 'string', text: '', length: 0 })
    const emptyText = await send('POST', '/text', '', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(await emptyText.json()).toEqual({ kind: 'string', text: '', length: 0 })
  })

  it('decodes a text route’s body as UTF-8 whatever the Content-Type says', async () => {
    const value = 'clé ✓ 🗝 {"not":"parsed"}'
    for (const contentType of ['application/json', 'application/x-www-form-urlencoded', 'text/csv']) {
      const res = await send('PUT', '/text', value, { 'content-type': contentType })
      expect(await res.json(), contentType).toEqual({ kind: 'string', text: value, length: value.length })
    }
  })

  it('answers a text route’s body that is not UTF-8 with 400', async () => {
    const res = await send('POST', '/text', Buffer.from([0x63, 0x61, 0x66, 0xe9]), {
      'content-type': 'application/x-www-form-urlencoded',
      'x-correlation-id': 'latin-1',
    })
    expect(res.status).toBe(400)
    expect(await problemOf(res)).toMatchObject({
      status: 400,
      detail: 'The body is not valid UTF-8',
      instance: '/text',
      correlationId: 'latin-1',
    })
  })

  it('answers a text route’s body declared in another charset with 415', async () => {
    const res = await send('POST', '/text', 'caf', { 'content-type': 'text/plain; charset=latin1' })
    expect(res.status).toBe(415)
    expect(await problemOf(res)).toMatchObject({ detail: 'Bodies must be UTF-8, not latin1' })
  })

  it('answers a Content-Type header that is not a media type with 415', async () => {
    const res = await send('PUT', '/bytes/a', 'v', { 'content-type': 'value' })
    expect(res.status).toBe(415)
    await problemOf(res)
  })

  it('answers a body over the limit with 413, and one at the limit with 200', async () => {
    const over = await send('PUT', '/bytes/a', Buffer.alloc(1025, 1), { 'content-type': 'application/json' })
    expect(over.status).toBe(413)
    expect(await problemOf(over)).toMatchObject({ status: 413, title: 'Payload Too Large' })
    const overText = await send('POST', '/text', 'x'.repeat(1025))
    expect(overText.status).toBe(413)
    const fits = await send('PUT', '/bytes/a', Buffer.alloc(1024, 1), { 'content-type': 'application/json' })
    expect(fits.status).toBe(200)
  })

  it('validates a command route’s raw text body with its schema and maps it to the command', async () => {
    const res = await send('PUT', '/values/greeting', 'hello', { 'content-type': 'application/json' })
    expect(res.status).toBe(200)
    expect(res.headers.get('etag')).toBe('"1"')
    expect(await res.json()).toEqual({ value: 'hello', version: 1 })
    const stored = await running.context.store.readStream('value-greeting')
    expect(stored.events.map((event) => event.data)).toEqual([{ key: 'greeting', value: 'hello' }])

    const empty = await send('PUT', '/values/greeting', '', { 'content-type': 'text/plain' })
    expect(empty.status).toBe(422)
    expect((await problemOf(empty)).errors).toEqual([
      { in: 'body', path: '', message: expect.any(String) as string },
    ])
    const invalid = await send('PUT', '/values/greeting', Buffer.from([0xff]))
    expect(invalid.status).toBe(400)
  })
})

describe('routes without rawBody', () => {
  it('still parse JSON and text by their Content-Type', async () => {
    const json = await send('POST', '/parsed', '{"a":[1]}', { 'content-type': 'application/json' })
    expect(await json.json()).toEqual({ body: { a: [1] } })
    const text = await send('POST', '/parsed', 'words', { 'content-type': 'text/plain' })
    expect(await text.json()).toEqual({ body: 'words' })
  })

  it('still answer an unsupported content type with 415 and malformed JSON with 400', async () => {
    const form = await send('POST', '/parsed', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(form.status).toBe(415)
    await problemOf(form)
    const malformed = await send('POST', '/parsed', '{"a": ', { 'content-type': 'application/json' })
    expect(malformed.status).toBe(400)
  })

  it('still answer a body over the limit with 413', async () => {
    const res = await send('POST', '/parsed', JSON.stringify('x'.repeat(1100)), {
      'content-type': 'application/json',
    })
    expect(res.status).toBe(413)
  })

  it('still know the raw routes’ paths for 405', async () => {
    const res = await send('DELETE', '/bytes/a')
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('PUT')
  })
})
