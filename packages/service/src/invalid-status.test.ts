import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineService } from './define-service.js'
import { response } from './routes.js'
import { keyValueHandler, startTestService } from './service.fixture.js'

const valueBody = z.object({ value: z.string().min(1) })

const service = defineService({
  name: 'invalid-status-test',
  setup: (ctx) => ctx.commandBus.register('put-value', keyValueHandler(ctx.store)),
  routes: (r) => [
    r.command('PUT', '/strict/:key', {
      body: valueBody,
      invalidStatus: 400,
      toCommand: ({ params, body }) => ({ type: 'put-value', data: { key: params.key, value: body.value } }),
      result: (result) => response({ position: result.position }, { status: 202 }),
    }),
    r.command('PUT', '/default/:key', {
      body: valueBody,
      toCommand: ({ params, body }) => ({ type: 'put-value', data: { key: params.key, value: body.value } }),
    }),
    r.query('/strict-query', {
      query: z.object({ after: z.coerce.number().int() }),
      invalidStatus: 400,
      handler: (_ctx, { query }) => ({ after: query.after }),
    }),
  ],
})

let running: Awaited<ReturnType<typeof startTestService<object>>>
beforeAll(async () => {
  running = await startTestService(service)
})
afterAll(() => running.stop())

const put = (path: string, body: unknown) =>
  fetch(`${running.url}${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

describe('invalidStatus', () => {
  it('answers a schema mismatch on a route with invalidStatus 400 with a 400 invalid-input problem', async () => {
    // Given a command route declaring invalidStatus: 400
    // When its body misses the declared shape
    const res = await put('/strict/a', { value: '' })
    // Then the problem is the usual invalid-input one, with status 400
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    const problem = (await res.json()) as { type: string; status: number; errors: { path: string }[] }
    expect(problem.type).toBe('urn:acta:problem:invalid-input')
    expect(problem.status).toBe(400)
    expect(problem.errors.map((e) => e.path)).toEqual(['/value'])
    expect((await running.context.store.readStream('value-a')).exists).toBe(false)
  })

  it('keeps 422 on a route without the option', async () => {
    const res = await put('/default/b', { value: '' })
    expect(res.status).toBe(422)
  })

  it('applies to a query route too', async () => {
    const res = await fetch(`${running.url}/strict-query?after=soon`)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { errors: unknown[] }).errors).toHaveLength(1)
  })

  it('lets a command result answer another status and keeps the version and position headers', async () => {
    // Given a command route whose result is response(…, { status: 202 })
    const res = await put('/strict/c', { value: 'one' })
    // Then the status is 202, with the body it built and the ETag and Acta-Position headers
    expect(res.status).toBe(202)
    const body = (await res.json()) as { position: number }
    expect(body.position).toBeGreaterThan(0)
    expect(res.headers.get('etag')).toBe('"1"')
    expect(res.headers.get('acta-position')).toBe(String(body.position))
  })
})
