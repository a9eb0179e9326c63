import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ActaError, NotFoundError, isUuid, type ErrorCode } from '@acta/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineService } from './define-service.js'
import { response } from './routes.js'
import { startTestService } from './service.fixture.js'

const dir = mkdtempSync(join(tmpdir(), 'acta-static-'))
writeFileSync(join(dir, 'index.html'), '<h1>key-value</h1>')
writeFileSync(join(dir, 'app.js'), 'console.log("live")')

const todos = [
  { id: 1, title: 'milk', status: 'open' },
  { id: 2, title: 'bread', status: 'done' },
]

const service = defineService({
  name: 'http-test',
  setup: () => ({ values: new Map([['greeting', 'hello']]) }),
  routes: (r) => [
    r.get('/values/:key', (ctx, req) => {
      const value = ctx.values.get(req.params.key)
      if (value === undefined) throw new NotFoundError(`No value under ${req.params.key}`)
      return { key: req.params.key, value }
    }),
    r.route('DELETE', '/values/:key', (ctx, req) => void ctx.values.delete(req.params.key)),
    r.route('POST', '/echo', (_ctx, req) =>
      response({ body: req.body }, { status: 201, headers: { location: '/echo/1' } }),
    ),
    r.get('/text', () => 'plain words'),
    r.get('/fail/:code', (_ctx, req) => {
      throw new ActaError(req.params.code as ErrorCode, 'the refusal detail', { details: { hint: 'h' } })
    }),
    r.get('/bigint', () => ({ n: 1n })),
    r.get('/boom', () => {
      throw new Error('password=hunter2 leaked from a driver')
    }),
    r.query('/todos', {
      query: z.object({ status: z.enum(['open', 'done']) }),
      handler: (_ctx, { query }) => todos.filter((todo) => todo.status === query.status),
    }),
  ],
  static: { root: dir, prefix: '/static/', headers: { 'content-security-policy': "default-src 'self'" } },
})

let running: Awaited<ReturnType<typeof startTestService<{ values: Map<string, string> }>>>
let url: string
beforeAll(async () => {
  running = await startTestService(service, { config: { bodyLimit: 1024 } })
  url = running.url
})
afterAll(async () => {
  await running.stop()
  rmSync(dir, { recursive: true, force: true })
})

const problemOf = async (res: Response) => {
  expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8')
  return (await res.json()) as Record<string, unknown>
}
const post = (path: string, body: BodyInit, contentType: string) =>
  fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body })

describe('plain routes', () => {
  it('answers a GET with the JSON the handler returned and a generated correlation id', async () => {
    const res = await fetch(`${url}/values/greeting`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(await res.json()).toEqual({ key: 'greeting', value: 'hello' })
    expect(isUuid(res.headers.get('x-correlation-id'))).toBe(true)
  })

  it('echoes the client’s correlation id, and replaces one that is not a safe token', async () => {
    const given = await fetch(`${url}/values/greeting`, {
      headers: { 'x-correlation-id': 'order-42:retry.1' },
    })
    expect(given.headers.get('x-correlation-id')).toBe('order-42:retry.1')
    const unsafe = await fetch(`${url}/values/greeting`, {
      headers: { 'x-correlation-id': 'a b'.repeat(100) },
    })
    expect(isUuid(unsafe.headers.get('x-correlation-id'))).toBe(true)
  })

  it('sends a response() with its status and headers, undefined as 204, a string as text', async () => {
    const created = await post('/echo', JSON.stringify({ a: [1, 2] }), 'application/json')
    expect(created.status).toBe(201)
    expect(created.headers.get('location')).toBe('/echo/1')
    expect(await created.json()).toEqual({ body: { a: [1, 2] } })
    const text = await post('/echo', 'some text', 'text/plain; charset=utf-8')
    expect(await text.json()).toEqual({ body: 'some text' })
    const deleted = await fetch(`${url}/values/nothing`, { method: 'DELETE' })
    expect(deleted.status).toBe(204)
    const plain = await fetch(`${url}/text`)
    expect(plain.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await plain.text()).toBe('plain words')
  })

  it('answers HEAD on a GET route without a body', async () => {
    const res = await fetch(`${url}/values/greeting`, { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('')
  })
})

describe('problem+json', () => {
  it.each([
    ['VALIDATION', 400],
    ['UNAUTHORIZED', 401],
    ['FORBIDDEN', 403],
    ['NOT_FOUND', 404],
    ['CONFLICT', 409],
    ['CONCURRENCY', 409],
    ['IDEMPOTENCY', 409],
  ] as const)('maps %s to %i with the message as detail', async (code, status) => {
    const res = await fetch(`${url}/fail/${code}`, { headers: { 'x-correlation-id': 'c-1' } })
    expect(res.status).toBe(status)
    expect(await problemOf(res)).toEqual({
      type: `urn:acta:problem:${code.toLowerCase()}`,
      title: expect.any(String) as string,
      status,
      code,
      detail: 'the refusal detail',
      hint: 'h',
      instance: `/fail/${code}`,
      correlationId: 'c-1',
    })
  })

  it.each([
    ['UNAVAILABLE', 503],
    ['TIMEOUT', 504],
    ['INTERNAL', 500],
  ] as const)('maps %s to %i without showing the detail', async (code, status) => {
    const res = await fetch(`${url}/fail/${code}`)
    expect(res.status).toBe(status)
    const problem = await problemOf(res)
    expect(problem).toMatchObject({ status, code })
    expect(JSON.stringify(problem)).not.toContain('refusal detail')
  })

  it('answers an unexpected error with a bare 500 and logs it with its stack', async () => {
    const res = await fetch(`${url}/boom`, { headers: { 'x-correlation-id': 'boom-1' } })
    expect(res.status).toBe(500)
    const problem = await problemOf(res)
    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      instance: '/boom',
      correlationId: 'boom-1',
    })
    const logged = running.lines.find((line) => line.correlationId === 'boom-1')
    expect(logged).toMatchObject({ level: 50, msg: 'request failed' })
    expect((logged?.err as { stack: string }).stack).toContain('password=hunter2')
  })

  it('answers 500 when the result cannot be serialized, and keeps serving', async () => {
    const res = await fetch(`${url}/bigint`)
    expect(res.status).toBe(500)
    expect(await problemOf(res)).toMatchObject({ status: 500, title: 'Internal Server Error' })
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
  })

  it('answers an unknown path with 404', async () => {
    const res = await fetch(`${url}/nowhere?x=1`)
    expect(res.status).toBe(404)
    expect(await problemOf(res)).toMatchObject({ status: 404, title: 'Not Found', instance: '/nowhere' })
  })

  it.each([
    ['/anything/%ZZ', '/anything/%ZZ'],
    ['/values/%C3', '/values/%C3'],
    ['/values/%E0%A4%A?x=1', '/values/%E0%A4%A'],
  ])('answers the malformed percent-encoding of %s with 400', async (path, instance) => {
    const res = await fetch(`${url}${path}`, { headers: { 'x-correlation-id': 'bad-path-1' } })
    expect(res.status).toBe(400)
    expect(res.headers.get('x-correlation-id')).toBe('bad-path-1')
    expect(await problemOf(res)).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'The path is not valid percent-encoded UTF-8',
      instance,
      correlationId: 'bad-path-1',
    })
  })

  it('answers a path parameter over the router’s 100 characters with 414', async () => {
    const res = await fetch(`${url}/values/${'k'.repeat(101)}`)
    expect(res.status).toBe(414)
    expect(await problemOf(res)).toMatchObject({ status: 414, title: 'URI Too Long' })
  })

  it('answers a known path with an unsupported method with 405 and Allow', async () => {
    const res = await fetch(`${url}/values/greeting`, { method: 'PUT' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET, HEAD, DELETE')
    expect(await problemOf(res)).toMatchObject({ status: 405, title: 'Method Not Allowed' })
    const health = await fetch(`${url}/healthz`, { method: 'POST' })
    expect(health.status).toBe(405)
    expect(health.headers.get('allow')).toBe('GET, HEAD')
  })

  it('answers malformed JSON with 400', async () => {
    const res = await post('/echo', '{"a": ', 'application/json')
    expect(res.status).toBe(400)
    expect(await problemOf(res)).toMatchObject({ status: 400, title: 'Bad Request' })
  })

  it('answers a body that is not UTF-8 with 400, in JSON and in text', async () => {
    const json = await post('/echo', Buffer.from([0x22, 0xc3, 0x28, 0x22]), 'application/json')
    expect(json.status).toBe(400)
    expect(await problemOf(json)).toMatchObject({ detail: 'The body is not valid UTF-8' })
    const text = await post('/echo', Buffer.from([0x61, 0xff, 0x62]), 'text/plain')
    expect(text.status).toBe(400)
  })

  it('answers an unsupported content type or charset with 415', async () => {
    const xml = await post('/echo', '<a/>', 'application/xml')
    expect(xml.status).toBe(415)
    expect(await problemOf(xml)).toMatchObject({ status: 415 })
    const latin1 = await post('/echo', '"caf\xe9"', 'application/json; charset=latin1')
    expect(latin1.status).toBe(415)
  })

  it('answers a body over the limit with 413', async () => {
    const res = await post('/echo', JSON.stringify({ big: 'x'.repeat(2000) }), 'application/json')
    expect(res.status).toBe(413)
    expect(await problemOf(res)).toMatchObject({ status: 413, title: 'Payload Too Large' })
  })

  it('accepts a JSON body of another +json type', async () => {
    const res = await post('/echo', '{"op":"add"}', 'application/merge-patch+json')
    expect(res.status).toBe(201)
  })

  it('refuses a body that tries to pollute prototypes', async () => {
    const res = await post('/echo', '{"__proto__": {"admin": true}}', 'application/json')
    expect(res.status).toBe(400)
  })
})

describe('query routes', () => {
  it('validates the query string and lists issues with their paths (422)', async () => {
    const res = await fetch(`${url}/todos?status=lost`)
    expect(res.status).toBe(422)
    const problem = await problemOf(res)
    expect(problem).toMatchObject({ type: 'urn:acta:problem:invalid-input', status: 422 })
    expect(problem.errors).toEqual([{ in: 'query', path: '/status', message: expect.any(String) as string }])
  })

  it('gives a weak ETag of the body and answers 304 to a matching If-None-Match', async () => {
    const first = await fetch(`${url}/todos?status=open`)
    expect(await first.json()).toEqual([{ id: 1, title: 'milk', status: 'open' }])
    const etag = first.headers.get('etag')
    expect(etag).toMatch(/^W\/"[\w-]+"$/)
    const again = await fetch(`${url}/todos?status=open`, { headers: { 'if-none-match': etag! } })
    expect(again.status).toBe(304)
    expect(again.headers.get('etag')).toBe(etag)
    const other = await fetch(`${url}/todos?status=done`, { headers: { 'if-none-match': etag! } })
    expect(other.status).toBe(200)
    expect(other.headers.get('etag')).not.toBe(etag)
  })

  it('answers 200 again once the data changed', async () => {
    const first = await fetch(`${url}/todos?status=open`)
    const etag = first.headers.get('etag')!
    todos.push({ id: 3, title: 'eggs', status: 'open' })
    const changed = await fetch(`${url}/todos?status=open`, { headers: { 'if-none-match': etag } })
    expect(changed.status).toBe(200)
    expect(await changed.json()).toHaveLength(2)
  })
})

describe('static files', () => {
  it('serves files under the prefix with their headers, and 404 for a missing one', async () => {
    const page = await fetch(`${url}/static/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await page.text()).toBe('<h1>key-value</h1>')
    const script = await fetch(`${url}/static/app.js`)
    expect(script.headers.get('content-type')).toMatch(/javascript/)
    expect(page.headers.get('content-security-policy')).toBe("default-src 'self'")
    expect(script.headers.get('content-security-policy')).toBe("default-src 'self'")
    const missing = await fetch(`${url}/static/missing.css`)
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toBe('application/problem+json; charset=utf-8')
  })
})
