import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { eventually } from '@acta/testing'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { Gateway } from './gateway.js'
import { startUpstreams, testGateway, type TestUpstream } from './upstreams.fixture.js'

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((resource) => resource.close()))
})

async function setup(count = 1): Promise<{ kv: TestUpstream[]; gw: Gateway }> {
  const kv = await startUpstreams('kv', count)
  open.push(...kv)
  const gw = await testGateway({
    services: { kv: { upstreams: kv.map((u) => u.url) } },
    routes: [
      { methods: ['GET'], path: '/live', service: 'kv', websocket: true },
      { methods: ['GET'], path: '/values/:key', service: 'kv' },
    ],
  })
  open.push({ close: () => gw.stop() })
  return { kv, gw }
}

/** Opens a client and collects its messages; resolves once the upgrade succeeded. */
async function connect(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers })
  const messages: string[] = []
  ws.on('message', (data: Buffer) => messages.push(data.toString()))
  await once(ws, 'open')
  return { ws, messages }
}

const wsUrl = (gw: Gateway, path: string) => `${gw.url.replace('http', 'ws')}${path}`

describe('websocket proxying', () => {
  it('carries messages both ways, text and binary', async () => {
    const { gw } = await setup()
    const { ws, messages } = await connect(wsUrl(gw, '/live'))

    ws.send('ping')
    ws.send(Buffer.from([1, 2, 3]), { binary: true })

    await eventually(() => messages.length === 3, 5000, 'three messages')
    expect(messages.slice(0, 2)).toEqual(['hello from kv1', 'kv1: ping'])
    expect([...Buffer.from(messages[2]!, 'binary')]).toEqual([1, 2, 3])
    ws.close()
  })

  it('passes the forwarded headers and the correlation id on the upgrade', async () => {
    const { gw, kv } = await setup()
    const { ws } = await connect(wsUrl(gw, '/live'), { 'x-correlation-id': 'corr-ws' })

    expect(kv[0]!.seen.at(-1)!.headers).toMatchObject({
      'x-correlation-id': 'corr-ws',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      upgrade: 'websocket',
    })
    ws.close()
  })

  it('closes the client when the replica closes, with the replica’s code and reason', async () => {
    const { gw } = await setup()
    const { ws } = await connect(wsUrl(gw, '/live'))

    ws.send('close please')
    const [code, reason] = (await once(ws, 'close')) as [number, Buffer]

    expect([code, reason.toString()]).toEqual([4000, 'asked to'])
  })

  it('closes the replica side when the client closes, cleanly or abruptly', async () => {
    const { gw, kv } = await setup()
    const clean = await connect(wsUrl(gw, '/live'))
    const abrupt = await connect(wsUrl(gw, '/live'))
    await eventually(() => gw.status().services.kv!.upstreams[0]!.websockets === 2, 5000, 'two tunnels')

    clean.ws.close(1000, 'bye')
    abrupt.ws.terminate()

    await eventually(() => kv[0]!.wsClosed.length === 2, 5000, 'both replica sockets to close')
    expect(kv[0]!.wsClosed).toContainEqual({ code: 1000, reason: 'bye' })
    expect(kv[0]!.wsClosed).toContainEqual({ code: 1006, reason: '' })
    await eventually(() => gw.status().services.kv!.upstreams[0]!.websockets === 0, 5000, 'no tunnel left')
  })

  it('closes the client when the replica dies', async () => {
    const { gw, kv } = await setup()
    const { ws } = await connect(wsUrl(gw, '/live'))

    const closed = once(ws, 'close')
    await kv[0]!.kill()

    const [code] = (await closed) as [number]
    expect(code).toBe(1006)
  })

  it('skips a dead replica when opening a websocket', async () => {
    const { gw, kv } = await setup(2)
    await kv[0]!.kill()

    const { ws, messages } = await connect(wsUrl(gw, '/live'))

    await eventually(() => messages.length === 1, 5000, 'the greeting')
    expect(messages).toEqual(['hello from kv2'])
    ws.close()
  })

  it('refuses an upgrade on a route without websocket with 404 problem+json', async () => {
    const { gw, kv } = await setup()
    const ws = new WebSocket(wsUrl(gw, '/values/a'))

    const [, response] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage]

    expect(response.statusCode).toBe(404)
    expect(response.headers['content-type']).toBe('application/problem+json')
    expect(kv[0]!.seen).toHaveLength(0)
    response.destroy()
  })
})
