import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { eventually } from '@acta/testing'
import { afterEach, describe, expect, it } from 'vitest'
import type { RouteTable } from './route-table.js'
import { call, startUpstreams, testGateway, type Handler, type TestUpstream } from './upstreams.fixture.js'

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((resource) => resource.close()))
})

/** Answers after a few random milliseconds, so that reloads happen while requests are in flight. */
const jittery: Handler = (req, res, upstream) => {
  req.resume()
  req.on('end', () => setTimeout(() => res.end(upstream.name), Math.random() * 10))
}

async function replicas(prefix: string, count: number, handler: Handler = jittery): Promise<TestUpstream[]> {
  const started = await startUpstreams(prefix, count, handler)
  open.push(...started)
  return started
}

const tableFor = (upstreams: readonly TestUpstream[]): RouteTable => ({
  services: { kv: { upstreams: upstreams.map((u) => u.url) } },
  routes: [{ methods: ['GET', 'PUT', 'POST', 'DELETE'], path: '/values/:key', service: 'kv' }],
})

describe('reload', () => {
  it('swaps the route table under continuous load without a single failed request', async () => {
    const blue = await replicas('blue', 2)
    const green = await replicas('green', 2)
    const gw = await testGateway(tableFor(blue))
    open.push({ close: () => gw.stop() })
    const methods = ['GET', 'PUT', 'POST', 'DELETE']
    const failures: string[] = []
    let done = 0
    let loading = true

    const worker = async (id: number) => {
      for (let i = 0; loading; i++) {
        const method = methods[(id + i) % methods.length]!
        try {
          const body = method === 'PUT' || method === 'POST' ? `value ${i}` : undefined
          const response = await call(`${gw.url}/values/k${id}`, { method, body })
          if (response.status !== 200) failures.push(`${method} -> ${response.status} ${response.text}`)
        } catch (error) {
          failures.push(`${method} -> ${(error as Error).message}`)
        }
        done++
      }
    }
    const load = Promise.all(Array.from({ length: 16 }, (_, id) => worker(id)))

    for (let reload = 0; reload < 12; reload++) {
      await sleep(40)
      const next = reload % 2 === 0 ? green : blue
      await gw.reload(tableFor(reload % 3 === 2 ? [blue[0]!, green[1]!] : next))
    }
    await sleep(40)
    loading = false
    await load

    expect(failures).toEqual([])
    expect(done).toBeGreaterThan(100)
    expect(gw.status().reloads).toBe(12)
    for (const upstream of [...blue, ...green]) expect(upstream.seen.length).toBeGreaterThan(0)
  })

  it('lets a request in flight finish on a replica the new table dropped; new requests use the new table', async () => {
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    const old = await replicas('old', 1, (_req, res) => void held.then(() => res.end('old answer')))
    const fresh = await replicas('new', 1)
    const gw = await testGateway(tableFor(old))
    open.push({ close: () => gw.stop() })

    const inFlight = call(`${gw.url}/values/a`)
    await eventually(() => old[0]!.seen.length === 1, 5000, 'the request to reach the old replica')
    await gw.reload(tableFor(fresh))
    const after = await call(`${gw.url}/values/b`)
    release()

    expect(after).toMatchObject({ status: 200, text: 'new1' })
    expect(await inFlight).toMatchObject({ status: 200, text: 'old answer' })
    expect(gw.status().services.kv!.upstreams.map((u) => u.url)).toEqual([fresh[0]!.url])
  })

  it('keeps a surviving replica’s counters and refuses an invalid table, keeping the old one', async () => {
    const kv = await replicas('kv', 2)
    const gw = await testGateway(tableFor(kv))
    open.push({ close: () => gw.stop() })
    await call(`${gw.url}/values/a`)
    await call(`${gw.url}/values/b`)

    await gw.reload(tableFor([kv[1]!]))
    const invalid = { services: {}, routes: [{ path: 'values', service: 'nope' }] } as unknown as RouteTable
    const refused = gw.reload(invalid)

    await expect(refused).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(refused).rejects.toThrow(/routes\[0\]\.path/)
    expect(gw.status().services.kv!.upstreams).toMatchObject([{ url: kv[1]!.url, requests: 1 }])
    expect(await call(`${gw.url}/values/c`)).toMatchObject({ status: 200, text: 'kv2' })
  })

  it('reloads its config file on SIGHUP', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acta-gateway-'))
    open.push({ close: () => rm(dir, { recursive: true, force: true }) })
    const file = join(dir, 'routes.json')
    const first = await replicas('first', 1)
    const second = await replicas('second', 1)
    await writeFile(file, JSON.stringify(tableFor(first)))
    const gw = await testGateway(undefined as unknown as RouteTable, { configFile: file })
    open.push({ close: () => gw.stop() })
    expect((await call(`${gw.url}/values/a`)).text).toBe('first1')

    await writeFile(file, JSON.stringify(tableFor(second)))
    process.emit('SIGHUP', 'SIGHUP')

    await eventually(() => gw.status().reloads === 1, 5000, 'the reload')
    expect((await call(`${gw.url}/values/a`)).text).toBe('second1')
  })
})
