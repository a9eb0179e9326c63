import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eventually } from '@acta/testing'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { RouteTable } from './route-table.js'
import { call, startUpstream, testGateway, type TestUpstream } from './upstreams.fixture.js'

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((resource) => resource.close()))
})

const tableFor = (upstream: TestUpstream): RouteTable => ({
  services: { kv: { upstreams: [upstream.url] } },
  routes: [
    { path: '/live', service: 'kv', websocket: true },
    { path: '/values/:key', service: 'kv' },
  ],
})

async function heldUpstream() {
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => (release = resolve))
  const upstream = await startUpstream('kv', (req, res) => {
    if (req.url === '/values/held') void held.then(() => res.end('finished'))
    else res.end('quick')
  })
  open.push(upstream)
  return { upstream, release }
}

describe('stop', () => {
  it('lets running requests finish, refuses new connections, closes websocket tunnels', async () => {
    const { upstream, release } = await heldUpstream()
    const gw = await testGateway(tableFor(upstream))
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/live`)
    await once(ws, 'open')
    const running = call(`${gw.url}/values/held`)
    await eventually(() => upstream.seen.some((s) => s.url === '/values/held'), 5000, 'the held request')

    const stopped = gw.stop()
    const wsClosed = once(ws, 'close')
    await expect(fetch(`${gw.url}/values/new`, { headers: { connection: 'close' } })).rejects.toThrow()
    release()

    expect(await running).toMatchObject({ status: 200, text: 'finished' })
    await stopped
    await wsClosed
  })

  it('cuts requests still running after stopTimeoutMs', async () => {
    const { upstream, release } = await heldUpstream()
    open.push({ close: async () => release() })
    const gw = await testGateway(tableFor(upstream), { stopTimeoutMs: 100 })
    const outcome = call(`${gw.url}/values/held`).then(
      () => 'answered',
      () => 'cut',
    )
    await eventually(() => upstream.seen.length === 1, 5000, 'the held request')

    await gw.stop()

    expect(await outcome).toBe('cut')
  })

  it('stops listening for SIGHUP', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acta-gateway-'))
    open.push({ close: () => rm(dir, { recursive: true, force: true }) })
    const { upstream } = await heldUpstream()
    await writeFile(join(dir, 'routes.json'), JSON.stringify(tableFor(upstream)))
    const before = process.listenerCount('SIGHUP')

    const gw = await testGateway(undefined as unknown as RouteTable, { configFile: join(dir, 'routes.json') })
    expect(process.listenerCount('SIGHUP')).toBe(before + 1)
    await gw.stop()

    expect(process.listenerCount('SIGHUP')).toBe(before)
  })
})
