import { request } from 'node:http'
import { connect } from 'node:net'
import { isActaError } from '@acta/core'
import { describe, expect, it } from 'vitest'
import { defineService } from './define-service.js'
import { startTestService } from './service.fixture.js'

function deferred<T = void>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

/** A GET over a fresh connection, resolving with status, headers and body (or the connection error). */
function get(url: string): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('graceful stop', () => {
  it('finishes an in-flight request while refusing new connections', async () => {
    const entered = deferred()
    const release = deferred()
    const service = defineService({
      name: 'slow',
      routes: (r) => [
        r.get('/slow', async () => {
          entered.resolve()
          await release.promise
          return { done: true }
        }),
      ],
    })
    const running = await startTestService(service)
    const slow = get(`${running.url}/slow`)
    await entered.promise
    let stopped = false
    const stopping = running.stop().then(() => (stopped = true))
    await expect
      .poll(() =>
        running.lines.some((line) => line.msg === 'closing the listener; finishing in-flight requests'),
      )
      .toBe(true)
    await expect(get(`${running.url}/slow`)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    expect(stopped).toBe(false)
    release.resolve()
    expect(await slow).toEqual({ status: 200, connection: 'close', body: '{"done":true}' })
    await stopping
    expect(running.lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining([
        'stopping: /readyz answers 503',
        'closing the listener; finishing in-flight requests',
        'stopping subscriptions; finishing in-flight messages',
        'closing resources and adapters',
        'stopped',
      ]),
    )
  })

  it('aborts in-flight requests that outlive the shutdown timeout', async () => {
    let reason: unknown
    const service = defineService({
      name: 'stuck',
      routes: (r) => [
        r.get('/stuck', (ctx) => {
          return new Promise((resolve) =>
            ctx.signal.addEventListener('abort', () => {
              reason = ctx.signal.reason
              resolve('aborted')
            }),
          )
        }),
      ],
    })
    const running = await startTestService(service, { config: { shutdownTimeoutMs: 100 } })
    const stuck = get(`${running.url}/stuck`).catch((error: unknown) => error)
    await expect
      .poll(() => running.metrics.getSingleMetricAsString('http_requests_in_flight'))
      .toMatch(/ 1$/m)
    await running.stop()
    expect(isActaError(reason, 'UNAVAILABLE')).toBe(true)
    await stuck
    expect(
      running.lines.some((line) => line.msg === 'in-flight requests did not finish in time: aborting them'),
    ).toBe(true)
  })

  it('closes the resources setup returned, in reverse order, after the subscriptions', async () => {
    const closed: string[] = []
    const release = deferred()
    const service = defineService({
      name: 'resources',
      setup: () => ({
        pool: { close: async () => void closed.push('pool') },
        cache: { [Symbol.asyncDispose]: async () => void closed.push('cache') },
        plain: new Map<string, string>(),
      }),
      subscriptions: (s) => [
        s.events(['todo.*'], async () => {
          closed.push('message started')
          await release.promise
          closed.push('message finished')
        }),
      ],
    })
    const running = await startTestService(service)
    await running.context.transport.publish('todo.TodoPosted', { type: 'TodoPosted', data: {} })
    await expect.poll(() => closed).toContain('message started')
    const stopping = running.stop()
    setTimeout(() => release.resolve(), 50)
    await stopping
    expect(closed).toEqual(['message started', 'message finished', 'cache', 'pool'])
  })
})

describe('request time limit', () => {
  it('answers 503 when a handler runs out of time and aborts its signal', async () => {
    let reason: unknown
    const service = defineService({
      name: 'timeout',
      routes: (r) => [
        r.get('/wait', (ctx) => {
          return new Promise((resolve) =>
            ctx.signal.addEventListener('abort', () => {
              reason = ctx.signal.reason
              resolve('too late')
            }),
          )
        }),
        r.get('/quick', () => 'fine'),
      ],
    })
    const running = await startTestService(service, { config: { requestTimeoutMs: 100 } })
    try {
      const res = await fetch(`${running.url}/wait`)
      expect(res.status).toBe(503)
      expect(await res.json()).toMatchObject({ status: 503, title: 'Request timed out' })
      expect(isActaError(reason, 'TIMEOUT')).toBe(true)
      expect(await (await fetch(`${running.url}/quick`)).text()).toBe('fine')
    } finally {
      await running.stop()
    }
  })

  it('aborts the signal when the client goes away', async () => {
    const aborted = deferred<unknown>()
    const service = defineService({
      name: 'gone',
      routes: (r) => [
        r.get('/wait', (ctx) => {
          ctx.signal.addEventListener('abort', () => aborted.resolve(ctx.signal.reason))
          return new Promise(() => undefined)
        }),
      ],
    })
    const running = await startTestService(service, { config: { shutdownTimeoutMs: 100 } })
    try {
      const controller = new AbortController()
      const pending = fetch(`${running.url}/wait`, { signal: controller.signal }).catch(() => undefined)
      await expect
        .poll(() => running.metrics.getSingleMetricAsString('http_requests_in_flight'))
        .toMatch(/ 1$/m)
      controller.abort()
      await pending
      expect(isActaError(await aborted.promise, 'UNAVAILABLE')).toBe(true)
    } finally {
      await running.stop()
    }
  })

  it('answers 408 with problem+json to a client too slow to send its request', async () => {
    const service = defineService({
      name: 'slow-client',
      routes: (r) => [r.route('POST', '/echo', (_ctx, req) => req.body)],
    })
    const running = await startTestService(service, { config: { requestTimeoutMs: 200 } })
    try {
      const { port } = new URL(running.url)
      const socket = connect(Number(port), '127.0.0.1')
      let answer = ''
      socket.setEncoding('utf8')
      socket.on('data', (chunk: string) => (answer += chunk))
      const closed = new Promise((resolve) => socket.on('close', resolve))
      socket.write(
        'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a"',
      )
      await closed
      expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/)
      expect(answer).toContain('Content-Type: application/problem+json; charset=utf-8')
      expect(answer).toContain('"status":408')
    } finally {
      await running.stop()
    }
  })
})
