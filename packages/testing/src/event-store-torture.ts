import { isActaError, type EventStore, type StoredEvent, type Subscription } from '@acta/core'
import { expect } from 'vitest'
import { collect, eventually, sleep } from './event-store-assertions.js'
import type { SuiteContext } from './event-store-suite.js'

const tortureName =
  'torture: concurrent writers with random commit delays; live subscribers from 0 and from midway see every event once, in log order'

export function tortureTest(ctx: SuiteContext): void {
  const scale = ctx.options.torture ?? {}
  const writers = scale.writers ?? 8
  const streams = scale.streams ?? 100
  const total = scale.events ?? 20_000
  const maxDelay = scale.maxCommitDelayMs ?? 4

  ctx.test(
    tortureName,
    async () => {
      const beforeCommit = () => (Math.random() < 0.5 ? sleep(Math.random() * maxDelay) : Promise.resolve())
      const { store, dispose } = await ctx.options.create({ beforeCommit })
      try {
        await torture(store, { writers, streams, total })
      } finally {
        await store.close()
        await dispose?.()
      }
    },
    600_000,
  )
}

function consume(subscription: Subscription, into: StoredEvent[]): Promise<void> {
  return (async () => {
    for await (const event of subscription) into.push(event)
  })()
}

async function torture(
  store: EventStore,
  scale: { writers: number; streams: number; total: number },
): Promise<void> {
  const fromZero: StoredEvent[] = []
  const first = store.subscribe({ batchSize: 256 })
  const firstDone = consume(first, fromZero)

  const committed = new Set<string>()
  let claimed = 0
  let conflicts = 0
  const writer = async (w: number) => {
    while (claimed < scale.total) {
      const size = Math.min(1 + Math.floor(Math.random() * 4), scale.total - claimed)
      claimed += size
      const stream = `torture-${Math.floor(Math.random() * scale.streams)}`
      const events = Array.from({ length: size }, (_, i) => ({ type: 'Tortured', data: { w, i, size } }))
      const exact = Math.random() < 0.2
      try {
        const expectedVersion = exact ? (await store.streamInfo(stream)).version : 'any'
        const result = await store.append(stream, events, { expectedVersion })
        for (const event of result.events) committed.add(event.eventId)
      } catch (error) {
        if (!isActaError(error, 'CONCURRENCY')) throw error
        conflicts++
        claimed -= size
      }
    }
  }

  let midway:
    | { after: number; index: number; events: StoredEvent[]; done: Promise<void>; sub: Subscription }
    | undefined
  const startMidway = (async () => {
    await eventually(
      () => fromZero.length >= scale.total / 2,
      300_000,
      'half of the events at the first subscriber',
    )
    const index = fromZero.length
    const after = fromZero[index - 1]!.globalPosition
    const events: StoredEvent[] = []
    const sub = store.subscribe({ after, batchSize: 100 })
    midway = { after, index, events, sub, done: consume(sub, events) }
  })()

  await Promise.all(Array.from({ length: scale.writers }, (_, w) => writer(w)))
  await startMidway
  const expected = committed.size
  expect(expected).toBeGreaterThanOrEqual(scale.total)
  await eventually(() => fromZero.length >= expected, 120_000, `${expected} events at the subscriber from 0`)
  await eventually(() => midway!.events.length >= expected - midway!.index, 120_000, 'the midway subscriber')
  await sleep(200)
  await first.close()
  await midway!.sub.close()
  await Promise.all([firstDone, midway!.done])

  const ids = fromZero.map((e) => e.eventId)
  expect(new Set(ids).size, 'no event delivered twice').toBe(ids.length)
  expect(ids.length, 'no event skipped').toBe(expected)
  for (const id of ids) expect(committed.has(id)).toBe(true)
  const log = await collect(store.readAll({ batchSize: 1000 }))
  expect(
    log.map((e) => e.eventId),
    'live order equals the log order',
  ).toEqual(ids)
  expect(
    midway!.events.map((e) => e.eventId),
    'midway subscriber sees exactly the rest',
  ).toEqual(ids.slice(midway!.index))
  const versions = new Map<string, number>()
  for (const event of fromZero) {
    const previous = versions.get(event.streamId) ?? 0
    expect(event.streamVersion, `versions of ${event.streamId} in log order`).toBe(previous + 1)
    versions.set(event.streamId, event.streamVersion)
  }
  expect(conflicts).toBeGreaterThanOrEqual(0)
}
