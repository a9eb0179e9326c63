import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { nginxBinary, serviceGate } from '@acta/testing'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startNginx, type TestNginx } from './nginx.fixture.js'
import type { RouteTable } from './route-table.js'
import { call, rawRequest, startUpstream, type Handler, type TestUpstream } from './upstreams.fixture.js'

let binary = ''
const nginx = await serviceGate('nginx', async () => (binary = await nginxBinary()))

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((resource) => resource.close()))
})

/** Answers with its name after a few random milliseconds, so that reloads meet requests in flight. */
const jittery: Handler = (req, res, upstream) => {
  req.resume()
  req.on('end', () =>
    setTimeout(
      () => res.end(JSON.stringify({ upstream: upstream.name, method: req.method })),
      Math.random() * 10,
    ),
  )
}

async function upstream(name: string): Promise<TestUpstream> {
  const started = await startUpstream(name, jittery)
  open.push(started)
  return started
}

async function nginxFor(table: RouteTable): Promise<TestNginx> {
  const started = await startNginx(binary, table)
  open.push({ close: () => started.stop() })
  return started
}

/** prooph's gateway: POST to the write service, GET to the read service, on the same paths. */
const tableFor = (write: TestUpstream, read: readonly TestUpstream[]): RouteTable => ({
  services: { write: { upstreams: [write.url] }, read: { upstreams: read.map((u) => u.url) } },
  routes: [
    { methods: ['POST', 'PUT', 'DELETE'], path: '/api/v1/user/:id', service: 'write' },
    { methods: ['GET'], path: '/api/v1/user/:id', service: 'read' },
    { methods: ['GET'], path: '/live', service: 'read', websocket: true },
  ],
})

describe.skipIf(!nginx.available)('nginx generated from the route table', () => {
  it('routes by method: POST to the write service, GET to the read service', async () => {
    const write = await upstream('write')
    const read = await upstream('read')
    const proxy = await nginxFor(tableFor(write, [read]))

    const posted = await call(`${proxy.url}/api/v1/user/7`, { method: 'POST', body: '{}' })
    const got = await call(`${proxy.url}/api/v1/user/7`, { headers: { 'x-correlation-id': 'corr-nginx' } })

    expect(posted.json()).toEqual({ upstream: 'write', method: 'POST' })
    expect(got.json()).toEqual({ upstream: 'read', method: 'GET' })
    expect(read.seen.at(-1)!.headers).toMatchObject({
      'x-correlation-id': 'corr-nginx',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
    })
    expect(write.seen.at(-1)!.headers['x-correlation-id']).toMatch(/^[0-9a-f]{32}$/)
  })

  it('answers 404 and 405 (with Allow) as problem+json, like the gateway', async () => {
    const write = await upstream('write')
    const read = await upstream('read')
    const proxy = await nginxFor(tableFor(write, [read]))

    const missing = await call(`${proxy.url}/nowhere`)
    const wrongMethod = await call(`${proxy.url}/api/v1/user/7`, { method: 'PATCH', body: '{}' })

    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toBe('application/problem+json')
    expect(missing.json()).toMatchObject({ status: 404, title: 'Not Found' })
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('POST, PUT, DELETE, GET, HEAD')
    expect(wrongMethod.json()).toMatchObject({ status: 405, title: 'Method Not Allowed' })
  })

  it('proxies websockets on websocket routes only', async () => {
    const write = await upstream('write')
    const read = await upstream('read')
    const proxy = await nginxFor(tableFor(write, [read]))

    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/live`)
    const [greeting] = (await once(ws, 'message')) as [Buffer]
    ws.close()
    const refused = await rawRequest(proxy.url, {
      path: '/api/v1/user/7',
      headers: {
        connection: 'upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'x',
      },
    })

    expect(greeting.toString()).toBe('hello from read')
    expect(refused.status).toBe(404)
  })

  it('reloads (nginx -s reload) under continuous load without a single failed request', async () => {
    const write = await upstream('write')
    const reads = [await upstream('read1'), await upstream('read2'), await upstream('read3')]
    const proxy = await nginxFor(tableFor(write, reads.slice(0, 2)))
    const failures: string[] = []
    let done = 0
    let loading = true

    // A fresh connection per request: an old worker closes its idle keep-alive connections when
    // it retires, and a request racing that close is lost unless the client retries it (see README).
    const worker = async (id: number) => {
      for (let i = 0; loading; i++) {
        const method = i % 3 === 0 ? 'POST' : 'GET'
        try {
          const response = await rawRequest(proxy.url, {
            method,
            path: `/api/v1/user/${id}`,
            ...(method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}),
          })
          if (response.status !== 200) failures.push(`${method} -> ${response.status} ${response.text}`)
        } catch (error) {
          failures.push(`${method} -> ${(error as Error).message}`)
        }
        done++
      }
    }
    const load = Promise.all(Array.from({ length: 16 }, (_, id) => worker(id)))

    const tables = [
      tableFor(write, reads.slice(1)),
      tableFor(write, reads.slice(0, 2)),
      tableFor(write, [reads[2]!]),
    ]
    for (let reload = 0; reload < 6; reload++) {
      await sleep(150)
      await proxy.reload(tables[reload % tables.length]!)
    }
    await sleep(300)
    const servedBefore = reads[2]!.seen.length
    await sleep(150)
    loading = false
    await load

    expect(failures, await proxy.log()).toEqual([])
    expect(done).toBeGreaterThan(200)
    expect(reads[2]!.seen.length).toBeGreaterThan(servedBefore)
  })
})
