import type { EventStore } from '@acta/core'
import WebSocket from 'ws'
import { spread, type Spread } from '../todo/probes.js'

/** Append -> frame latencies of the admin live feed and of a bare store subscriber, in ms. */
export interface LiveResult {
  readonly rate: number
  readonly sent: number
  readonly websocket: Spread
  readonly subscriber: Spread
}

/**
 * Appends `count` events at `rate` per second (one per append, category `live`) while the admin
 * live websocket (`/live`, filtered to that category) and a bare `store.subscribe` in this process
 * both follow the log; latency = receipt minus the moment the append was called.
 */
export async function liveLatency(
  store: EventStore,
  url: string,
  token: string,
  rate: number,
  count: number,
): Promise<LiveResult> {
  const appendedAt = new Map<string, number>()
  const socketSeen: number[] = []
  const subscriberSeen: number[] = []
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/_acta/api/live`)
  const ready = new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.on('message', (data: Buffer) => {
      const at = performance.now()
      const frame = JSON.parse(data.toString('utf8')) as { type: string; event?: { eventId: string } }
      if (frame.type === 'ready') resolve()
      const sent = frame.event && appendedAt.get(frame.event.eventId)
      if (sent !== undefined) socketSeen.push(at - sent)
    })
  })
  await new Promise((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('error', reject)
  })
  socket.send(JSON.stringify({ token, categories: ['live'] }))
  await ready
  const stop = new AbortController()
  const following = (async () => {
    for await (const event of store.subscribe({ after: await store.headPosition(), signal: stop.signal })) {
      const sent = appendedAt.get(event.eventId)
      if (sent !== undefined) subscriberSeen.push(performance.now() - sent)
    }
  })().catch((error: unknown) => {
    if (!stop.signal.aborted) throw error
  })
  const start = performance.now()
  const appends: Promise<unknown>[] = []
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / rate - performance.now()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    const eventId = crypto.randomUUID()
    appendedAt.set(eventId, performance.now())
    appends.push(store.append(`live-${i % 10}`, [{ type: 'Pinged', data: { i }, eventId }]))
    if ((i + 1) % rate === 0) process.stderr.write(`  live: ${i + 1} / ${count} appended\n`)
  }
  await Promise.all(appends)
  const deadline = performance.now() + 30_000
  while ((socketSeen.length < count || subscriberSeen.length < count) && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20))
  stop.abort()
  socket.close()
  await following
  return { rate, sent: count, websocket: spread(socketSeen), subscriber: spread(subscriberSeen) }
}
