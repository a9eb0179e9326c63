import { randomBytes } from 'node:crypto'
import WebSocket from 'ws'
import { quantile } from './load.js'
import type { FleetInfo } from './processes.js'

/** PUT -> the event applied on every replica, at a steady rate. Milliseconds. */
export interface VisibilityResult {
  readonly rate: number
  readonly sent: number
  /** PUTs whose event reached every replica. */
  readonly complete: number
  readonly putP50: number
  readonly putP99: number
  /** From sending the PUT until the last of the three replicas applied its event. */
  readonly allP50: number
  readonly allP99: number
  readonly allMax: number
}

interface Frame {
  type: string
  event?: { event: string; key: string }
}

/**
 * Sends `rate` PUTs per second through the gateway for `seconds`, each to a new key, and watches
 * the `/events` websocket of every replica directly: a replica sends a key's frame once its read
 * model has applied the event, which is the moment a GET there sees the value.
 */
export async function measureVisibility(
  fleet: FleetInfo,
  rate: number,
  seconds: number,
): Promise<VisibilityResult> {
  const run = randomBytes(3).toString('hex')
  const count = Math.max(1, Math.round(rate * seconds))
  const sentAt = new Map<string, number>()
  const seen = new Map<string, number[]>()
  const putLatencies: number[] = []
  let complete = 0
  let allSeen: () => void = () => undefined
  const done = new Promise<void>((resolve) => (allSeen = resolve))

  const sockets = await Promise.all(
    fleet.replicas.map(async (replica) => {
      const socket = new WebSocket(`${replica.url.replace(/^http/, 'ws')}/events`)
      socket.on('message', (data: Buffer) => {
        const at = performance.now()
        const frame = JSON.parse(data.toString('utf8')) as Frame
        if (frame.type !== 'domain_event' || frame.event?.event !== 'value_put') return
        const times = seen.get(frame.event.key)
        if (!times) return
        times.push(at)
        if (times.length === fleet.replicas.length && ++complete === count) allSeen()
      })
      await new Promise((resolve, reject) => {
        socket.once('open', resolve)
        socket.once('error', reject)
      })
      return socket
    }),
  )

  const start = performance.now()
  const pending: Promise<void>[] = []
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / rate - performance.now()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    const key = `vis-${run}-${i}`
    seen.set(key, [])
    const at = performance.now()
    sentAt.set(key, at)
    pending.push(
      fetch(`${fleet.url}/values/${key}`, { method: 'PUT', body: 'visible?' }).then(async (res) => {
        await res.arrayBuffer()
        if (res.ok) putLatencies.push(performance.now() - at)
      }),
    )
  }
  await Promise.all(pending)
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 30_000))])
  for (const socket of sockets) socket.close()

  const all: number[] = []
  for (const [key, times] of seen)
    if (times.length === fleet.replicas.length) all.push(Math.max(...times) - sentAt.get(key)!)
  all.sort((a, b) => a - b)
  putLatencies.sort((a, b) => a - b)
  return {
    rate,
    sent: count,
    complete: all.length,
    putP50: quantile(putLatencies, 0.5),
    putP99: quantile(putLatencies, 0.99),
    allP50: quantile(all, 0.5),
    allP99: quantile(all, 0.99),
    allMax: all.at(-1) ?? Number.NaN,
  }
}
