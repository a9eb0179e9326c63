import { expect } from 'vitest'
import WebSocket from 'ws'
import type { LiveFrame } from './live-frames.js'

/** A websocket client of `/events` that keeps every frame it receives. */
export interface LiveClient {
  readonly frames: LiveFrame[]
  /** The id the server gave this connection (from its own `connection_opened` frame). */
  readonly id: string
  /** The first frame, received so far or later, that `match` accepts. */
  next(match: (frame: LiveFrame) => boolean, what: string): Promise<LiveFrame>
  close(): Promise<void>
}

/** Ids of every connection a client of this module opened, in this test process. */
const knownIds = new Set<string>()

/**
 * Connects to `url` (ws://…/events) and waits for the connection's own `connection_opened` frame:
 * the first one naming a connection no earlier client of this module opened. Replicas tell each
 * other of a connection through the transport, so the notice of a client connected just before
 * (on another replica) may reach this replica after this socket opened, and come first. Connect
 * clients one after another, so that no other unknown connection opens meanwhile.
 */
export async function liveClient(url: string): Promise<LiveClient> {
  const socket = new WebSocket(url)
  const frames: LiveFrame[] = []
  const wakers = new Set<() => void>()
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    expect(isBinary, 'frames are text').toBe(false)
    frames.push(JSON.parse(data.toString('utf8')) as LiveFrame)
    for (const wake of wakers) wake()
  })
  await new Promise((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('error', reject)
  })
  const next = (match: (frame: LiveFrame) => boolean, what: string) =>
    new Promise<LiveFrame>((resolve, reject) => {
      const check = () => {
        const found = frames.find(match)
        if (!found) return
        done()
        resolve(found)
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`no frame ${what} within 10 s; got ${JSON.stringify(frames)}`))
      }, 10_000)
      const done = () => {
        clearTimeout(timer)
        wakers.delete(check)
      }
      wakers.add(check)
      check()
    })
  const own = await next(
    (frame) => frame.type === 'connection_opened' && !knownIds.has(frame.from),
    'connection_opened of this connection',
  )
  knownIds.add(own.from)
  return {
    frames,
    id: own.from,
    next,
    async close() {
      if (socket.readyState === socket.CLOSED) return
      const closed = new Promise((resolve) => socket.once('close', resolve))
      socket.close()
      await closed
    },
  }
}

/** Expects an `application/problem+json` answer with `status`, and returns the problem. */
export async function expectProblem(res: Response, status: number): Promise<Record<string, unknown>> {
  const text = await res.text()
  expect(res.status, text).toBe(status)
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  const problem = JSON.parse(text) as Record<string, unknown>
  expect(problem).toMatchObject({ status, title: expect.any(String) as string })
  return problem
}

/** A PUT of a raw value; `body` may be bytes. */
export function put(
  base: string,
  path: string,
  body: string | Uint8Array<ArrayBuffer>,
  headers: HeadersInit = {},
) {
  return fetch(`${base}${path}`, { method: 'PUT', body, headers })
}

/** The log position a write answered with. */
export function positionOf(res: Response): number {
  const header = res.headers.get('acta-position')
  expect(header, 'acta-position header').toMatch(/^\d+$/)
  return Number(header)
}
