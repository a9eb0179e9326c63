import { eventually } from '@acta/testing'
import { afterEach, describe, expect, it } from 'vitest'
import type { Gateway, GatewayOptions } from './gateway.js'
import type { RouteTable } from './route-table.js'
import { call, startUpstreams, testGateway, type Handler, type TestUpstream } from './upstreams.fixture.js'

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((resource) => resource.close()))
})

async function replicas(count: number, handler?: Handler): Promise<TestUpstream[]> {
  const started = await startUpstreams('kv', count, handler)
  open.push(...started)
  return started
}

async function gateway(
  upstreams: readonly TestUpstream[],
  options: Partial<GatewayOptions> & { health?: RouteTable['services'][string]['health'] } = {},
): Promise<Gateway> {
  const { health, ...rest } = options
  const table: RouteTable = {
    services: { kv: { upstreams: upstreams.map((u) => u.url), ...(health ? { health } : {}) } },
    routes: [{ path: '/*', service: 'kv' }],
  }
  const started = await testGateway(table, rest)
  open.push({ close: () => started.stop() })
  return started
}

const served = (upstreams: readonly TestUpstream[], method = 'GET') =>
  upstreams.map((u) => u.seen.filter((s) => s.method === method).length)

describe('replicas', () => {
  it('spreads requests round-robin over the replicas', async () => {
    const kv = await replicas(3)
    const gw = await gateway(kv)

    for (let i = 0; i < 30; i++) expect((await call(`${gw.url}/values/${i}`)).status).toBe(200)

    expect(served(kv)).toEqual([10, 10, 10])
  })

  it('retries an idempotent request on another replica when one is dead, and then skips the dead one', async () => {
    const kv = await replicas(3)
    const gw = await gateway(kv)
    await kv[0]!.kill()

    const statuses = await Promise.all(Array.from({ length: 30 }, (_, i) => call(`${gw.url}/values/${i}`)))

    expect(statuses.map((r) => r.status)).toEqual(Array(30).fill(200))
    expect(served(kv)[1]! + served(kv)[2]!).toBe(30)
    const dead = gw.status().services.kv!.upstreams[0]!
    expect(dead).toMatchObject({ healthy: false, inFlight: 0 })
    expect(dead.lastError?.code).toBe('ECONNREFUSED')
  })

  it('retries a PUT with its body, which was not read yet when the connection was refused', async () => {
    const kv = await replicas(2, (req, res) => {
      let body = ''
      req.setEncoding('utf8')
      req.on('data', (chunk: string) => (body += chunk))
      req.on('end', () => res.end(body))
    })
    const gw = await gateway(kv)
    await kv[0]!.kill()

    const response = await call(`${gw.url}/values/a`, { method: 'PUT', body: 'the value' })

    expect(response).toMatchObject({ status: 200, text: 'the value' })
    expect(served(kv, 'PUT')).toEqual([0, 1])
  })

  it('never retries a POST: the client gets a 502 and no other replica sees it', async () => {
    const kv = await replicas(2)
    const gw = await gateway(kv)
    await kv[0]!.kill()

    const first = await call(`${gw.url}/commands`, { method: 'POST', body: '{}' })
    const second = await call(`${gw.url}/commands`, { method: 'POST', body: '{}' })

    expect(first.status).toBe(502)
    expect(first.headers.get('content-type')).toBe('application/problem+json')
    expect(first.json()).toMatchObject({ status: 502, title: 'Bad Gateway' })
    expect(second.status).toBe(200)
    expect(served(kv, 'POST')).toEqual([0, 1])
  })

  it('never retries once the response has started: the client sees the response cut', async () => {
    const kv = await replicas(2, (req, res, upstream) => {
      if (upstream.name === 'kv2') return void res.end('whole')
      res.writeHead(200, { 'content-length': '100' })
      res.write('part of it')
      setTimeout(() => res.socket?.destroy(), 20)
    })
    const gw = await gateway(kv)

    await expect(call(`${gw.url}/values/a`)).rejects.toThrow()

    expect(served(kv)).toEqual([1, 0])
  })

  it('answers 502 problem+json when no replica can be reached', async () => {
    const kv = await replicas(2)
    const gw = await gateway(kv)
    await Promise.all(kv.map((u) => u.kill()))

    const first = await call(`${gw.url}/values/a`)
    const again = await call(`${gw.url}/values/a`)

    expect([first.status, again.status]).toEqual([502, 502])
    expect(first.headers.get('content-type')).toBe('application/problem+json')
    expect(first.json()).toMatchObject({ detail: 'No replica of service "kv" could be reached (tried 2)' })
    expect(again.json()).toMatchObject({ detail: 'No replica of service "kv" could be reached (tried 2)' })
  })

  it('answers 502 problem+json without trying when every replica fails its health check', async () => {
    const kv = await replicas(2)
    kv.forEach((u) => (u.healthy = false))
    const gw = await gateway(kv, { health: { path: '/healthz', intervalMs: 50 } })
    await eventually(() => gw.status().services.kv!.upstreams.every((u) => !u.healthy), 5000, 'both out')

    const response = await call(`${gw.url}/values/a`)

    expect(response.status).toBe(502)
    expect(response.json()).toMatchObject({ status: 502, detail: 'No replica of service "kv" is healthy' })
    expect(served(kv)).toEqual([0, 0])
  })

  it('tries a replica taken out passively again at once when no other is up', async () => {
    const kv = await replicas(1)
    const gw = await gateway(kv, { failTimeoutMs: 600_000 })
    await kv[0]!.kill()
    expect((await call(`${gw.url}/values/a`)).status).toBe(502)
    expect(gw.status().services.kv!.upstreams[0]!.healthy).toBe(false)

    await kv[0]!.revive()

    expect((await call(`${gw.url}/values/a`)).status).toBe(200)
  })

  it('answers 504 problem+json when the replica does not answer in time, without retrying', async () => {
    const kv = await replicas(2, (_req, res, upstream) => {
      if (upstream.name === 'kv2') res.end('fast')
    })
    const gw = await gateway(kv, { requestTimeoutMs: 200 })

    const response = await call(`${gw.url}/values/slow`, { headers: { 'x-correlation-id': 'corr-504' } })

    expect(response.status).toBe(504)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(response.json()).toMatchObject({
      status: 504,
      title: 'Gateway Timeout',
      correlationId: 'corr-504',
    })
    expect(served(kv)).toEqual([1, 0])
  })
})

describe('health checks', () => {
  it('takes a replica out while its health check fails and back when it passes', async () => {
    const kv = await replicas(2)
    const gw = await gateway(kv, { health: { path: '/healthz', intervalMs: 50 } })
    const healthy = () => gw.status().services.kv!.upstreams.map((u) => u.healthy)

    kv[0]!.healthy = false
    await eventually(() => healthy()[0] === false, 5000, 'the failing replica to be taken out')
    for (let i = 0; i < 6; i++) await call(`${gw.url}/values/${i}`)
    expect(served(kv)).toEqual([0, 6])

    kv[0]!.healthy = true
    await eventually(() => healthy()[0] === true, 5000, 'the replica to come back')
    for (let i = 0; i < 6; i++) await call(`${gw.url}/values/${i}`)
    expect(served(kv)).toEqual([3, 9])
  })

  it('brings a replica back after it was dead, even before its passive timeout ends', async () => {
    const kv = await replicas(2)
    const gw = await gateway(kv, { health: { path: '/healthz', intervalMs: 50 }, failTimeoutMs: 600_000 })
    await kv[0]!.kill()
    await call(`${gw.url}/values/a`)
    await call(`${gw.url}/values/b`)
    expect(gw.status().services.kv!.upstreams[0]!.healthy).toBe(false)

    await kv[0]!.revive()
    await eventually(() => gw.status().services.kv!.upstreams[0]!.healthy, 5000, 'the revived replica')

    const before = served(kv)[0]!
    for (let i = 0; i < 4; i++) expect((await call(`${gw.url}/values/${i}`)).status).toBe(200)
    expect(served(kv)[0]! - before).toBe(2)
  })

  it('reports requests in flight per replica', async () => {
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    const kv = await replicas(1, (_req, res) => void held.then(() => res.end('done')))
    const gw = await gateway(kv)

    const pending = Promise.all([call(`${gw.url}/a`), call(`${gw.url}/b`)])
    await eventually(
      () => gw.status().services.kv!.upstreams[0]!.inFlight === 2,
      5000,
      'two requests in flight',
    )
    release()
    await pending

    expect(gw.status().services.kv!.upstreams[0]).toMatchObject({ inFlight: 0, requests: 2, failures: 0 })
  })
})
