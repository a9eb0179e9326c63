import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { defineService } from './define-service.js'
import { startTestService } from './service.fixture.js'

interface Client {
  socket: WebSocket
  messages: unknown[]
  closed: Promise<{ code: number; reason: string }>
  next(count: number): Promise<unknown[]>
}

async function connect(url: string): Promise<Client> {
  const socket = new WebSocket(url)
  const messages: unknown[] = []
  const waiters: (() => void)[] = []
  socket.on('message', (data: Buffer) => {
    messages.push(JSON.parse(data.toString('utf8')))
    for (const wake of waiters.splice(0)) wake()
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
  )
  await new Promise((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('error', reject)
  })
  const next = async (count: number) => {
    while (messages.length < count) await new Promise<void>((resolve) => waiters.push(resolve))
    return messages.slice(0, count)
  }
  return { socket, messages, closed, next }
}

function liveService() {
  const events: string[] = []
  const service = defineService({
    name: 'websocket-test',
    routes: (r) => [
      r.websocket('/rooms/:room', {
        open: (ctx, connection) => {
          events.push(`open ${connection.params.room}`)
          connection.send({ welcome: connection.id, room: connection.params.room })
          ctx.broadcast('/rooms/:room', { joined: connection.id }, { except: connection.id })
        },
        message: (_ctx, connection, data) => connection.send({ echo: data }),
        close: (_ctx, connection, code) => void events.push(`close ${connection.params.room} ${code}`),
      }),
      r.route('POST', '/announce', (ctx, req) => ({ sent: ctx.broadcast('/rooms/:room', req.body) })),
    ],
  })
  return { service, events }
}

describe('websocket routes', () => {
  it('opens with a per-connection id, answers messages, broadcasts to the route, and runs close', async () => {
    const { service, events } = liveService()
    const running = await startTestService(service)
    const wsUrl = running.url.replace('http', 'ws')
    try {
      const alice = await connect(`${wsUrl}/rooms/blue`)
      const [welcome] = (await alice.next(1)) as [{ welcome: string; room: string }]
      expect(welcome.room).toBe('blue')
      const bob = await connect(`${wsUrl}/rooms/blue`)
      const [bobWelcome] = (await bob.next(1)) as [{ welcome: string }]
      expect(bobWelcome.welcome).not.toBe(welcome.welcome)
      expect((await alice.next(2))[1]).toEqual({ joined: bobWelcome.welcome })

      bob.socket.send('hello')
      expect((await bob.next(2))[1]).toEqual({ echo: 'hello' })

      const res = await fetch(`${running.url}/announce`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'ValuePut', key: 'a' }),
      })
      expect(await res.json()).toEqual({ sent: 2 })
      expect((await alice.next(3))[2]).toEqual({ type: 'ValuePut', key: 'a' })
      expect((await bob.next(3))[2]).toEqual({ type: 'ValuePut', key: 'a' })

      bob.socket.close(1000)
      await bob.closed
      await expect.poll(() => events).toContain('close blue 1000')
      const after = await fetch(`${running.url}/announce`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ping: 1 }),
      })
      expect(await after.json()).toEqual({ sent: 1 })
    } finally {
      await running.stop()
    }
  })

  it('closes every connection with 1001 going away when the service stops', async () => {
    const { service, events } = liveService()
    const running = await startTestService(service)
    const client = await connect(`${running.url.replace('http', 'ws')}/rooms/red`)
    await client.next(1)
    await running.stop()
    expect(await client.closed).toEqual({ code: 1001, reason: 'Server shutting down' })
    expect(events).toContain('close red 1001')
  })

  it('answers a plain GET on a websocket route with 426 Upgrade Required', async () => {
    const { service } = liveService()
    const running = await startTestService(service)
    try {
      const res = await fetch(`${running.url}/rooms/blue`)
      expect(res.status).toBe(426)
      expect(res.headers.get('upgrade')).toBe('websocket')
      expect(await res.json()).toMatchObject({ status: 426, title: 'Upgrade Required' })
      expect((await fetch(`${running.url}/healthz`)).status).toBe(200)
    } finally {
      await running.stop()
    }
  })
})
