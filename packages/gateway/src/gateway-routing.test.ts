import { afterEach, describe, expect, it } from 'vitest'
import type { Gateway } from './gateway.js'
import type { RouteTable } from './route-table.js'
import { call, rawRequest, startUpstream, testGateway, type TestUpstream } from './upstreams.fixture.js'

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((resource) => resource.close()))
})

async function upstream(name: string, handler?: Parameters<typeof startUpstream>[1]): Promise<TestUpstream> {
  const started = await startUpstream(name, handler)
  open.push(started)
  return started
}

async function gateway(table: RouteTable): Promise<Gateway> {
  const started = await testGateway(table)
  open.push({ close: () => started.stop() })
  return started
}

async function writeAndRead() {
  const write = await upstream('write')
  const read = await upstream('read')
  const gw = await gateway({
    services: { write: { upstreams: [write.url] }, read: { upstreams: [read.url] } },
    routes: [
      { methods: ['POST'], path: '/api/v1/user/', service: 'write' },
      { methods: ['GET'], path: '/api/v1/user/', service: 'read' },
      { methods: ['GET'], path: '/api/v1/user/:id', service: 'read' },
      { methods: ['PUT', 'DELETE'], path: '/api/v1/user/:id', service: 'write' },
      { path: '/files/*', service: 'read' },
    ],
  })
  return { write, read, gw }
}

describe('routing by method and path', () => {
  it('sends a POST to the write service and a GET on the same path to the read service', async () => {
    const { gw } = await writeAndRead()

    const posted = await call(`${gw.url}/api/v1/user/`, { method: 'POST', body: '{"name":"ada"}' })
    const got = await call(`${gw.url}/api/v1/user/`)

    expect(posted.json()).toMatchObject({ upstream: 'write', method: 'POST', url: '/api/v1/user/' })
    expect(got.json()).toMatchObject({ upstream: 'read', method: 'GET', url: '/api/v1/user/' })
  })

  it('matches parameters and wildcards and keeps the query string', async () => {
    const { gw } = await writeAndRead()

    const one = await call(`${gw.url}/api/v1/user/42?fields=name`)
    const removed = await call(`${gw.url}/api/v1/user/42`, { method: 'DELETE' })
    const deep = await call(`${gw.url}/files/a/b/c.txt`, { method: 'PATCH' })

    expect(one.json()).toMatchObject({ upstream: 'read', url: '/api/v1/user/42?fields=name' })
    expect(removed.json()).toMatchObject({ upstream: 'write', method: 'DELETE' })
    expect(deep.json()).toMatchObject({ upstream: 'read', method: 'PATCH', url: '/files/a/b/c.txt' })
  })

  it('takes the first route that matches, in table order', async () => {
    const special = await upstream('special')
    const general = await upstream('general')
    const gw = await gateway({
      services: { special: { upstreams: [special.url] }, general: { upstreams: [general.url] } },
      routes: [
        { path: '/values/reserved', service: 'special' },
        { path: '/values/:key', service: 'general' },
        { path: '/values/never', service: 'special' },
      ],
    })

    expect((await call(`${gw.url}/values/reserved`)).json()).toMatchObject({ upstream: 'special' })
    expect((await call(`${gw.url}/values/never`)).json()).toMatchObject({ upstream: 'general' })
  })

  it('admits HEAD where GET is allowed', async () => {
    const { gw, read } = await writeAndRead()

    const head = await call(`${gw.url}/api/v1/user/7`, { method: 'HEAD' })

    expect(head.status).toBe(200)
    expect(read.seen.at(-1)).toMatchObject({ method: 'HEAD', url: '/api/v1/user/7' })
  })

  it('answers 404 problem+json when no route has the path', async () => {
    const { gw } = await writeAndRead()

    const response = await call(`${gw.url}/nowhere?x=1`, { headers: { 'x-correlation-id': 'corr-404' } })

    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(response.json()).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No route for GET /nowhere',
      instance: '/nowhere',
      correlationId: 'corr-404',
    })
  })

  it('answers 405 with Allow when routes have the path but not the method', async () => {
    const { gw } = await writeAndRead()

    const response = await call(`${gw.url}/api/v1/user/42`, { method: 'POST' })

    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('GET, HEAD, PUT, DELETE')
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(response.json()).toMatchObject({ status: 405, title: 'Method Not Allowed' })
  })

  it('refuses paths with dot segments instead of routing them', async () => {
    const { gw, read } = await writeAndRead()

    const dots = await rawRequest(gw.url, { path: '/files/../admin' })
    const encoded = await rawRequest(gw.url, { path: '/files/%2E%2e/admin' })

    expect([dots.status, encoded.status]).toEqual([400, 400])
    expect(read.seen).toHaveLength(0)
  })
})

describe('forwarded headers', () => {
  it('sets X-Forwarded-*, keeps the correlation id and traceparent, drops hop-by-hop headers', async () => {
    const { gw, read } = await writeAndRead()
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'

    await rawRequest(gw.url, {
      path: '/api/v1/user/1',
      headers: {
        host: 'api.example.test:8443',
        'x-correlation-id': 'corr-1',
        traceparent,
        'x-forwarded-for': '203.0.113.9',
        connection: 'keep-alive, x-private',
        'x-private': 'not for the upstream',
        'keep-alive': 'timeout=5',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
        'x-app': 'kept',
      },
    })

    const seen = read.seen.at(-1)!.headers
    expect(seen['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1')
    expect(seen['x-forwarded-proto']).toBe('http')
    expect(seen['x-forwarded-host']).toBe('api.example.test:8443')
    expect(seen.host).toBe('api.example.test:8443')
    expect(seen['x-correlation-id']).toBe('corr-1')
    expect(seen.traceparent).toBe(traceparent)
    expect(seen['x-app']).toBe('kept')
    expect(seen['x-private']).toBeUndefined()
    expect(seen['keep-alive']).toBeUndefined()
    expect(seen['proxy-authorization']).toBeUndefined()
  })

  it('adds a correlation id when the request has none', async () => {
    const { gw, read } = await writeAndRead()

    await call(`${gw.url}/api/v1/user/1`)

    expect(read.seen.at(-1)!.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('drops hop-by-hop headers of the response and keeps the others', async () => {
    await upstream('read', (_req, res) => {
      res.setHeader('connection', 'x-upstream-private')
      res.setHeader('x-upstream-private', 'secret')
      res.setHeader('set-cookie', ['a=1', 'b=2'])
      res.setHeader('x-kept', 'yes')
      res.end('ok')
    })
    const gw = await gateway({
      services: { read: { upstreams: [(open.at(-1) as TestUpstream).url] } },
      routes: [{ path: '/*', service: 'read' }],
    })

    const response = await rawRequest(gw.url, { path: '/x' })

    expect(response.text).toBe('ok')
    expect(response.headers['x-upstream-private']).toBeUndefined()
    expect(response.headers['x-kept']).toBe('yes')
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2'])
  })
})
