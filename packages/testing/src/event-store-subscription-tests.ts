import { upcastingEventStore, type StoredEvent, type Upcaster } from '@acta/core'
import { expect } from 'vitest'
import { collect, eventually, sleep } from './event-store-assertions.js'
import type { SuiteContext } from './event-store-suite.js'

const ev = (type: string, data: unknown = {}) => ({ type, data })

export function subscriptionTests(ctx: SuiteContext): void {
  const { test } = ctx

  test('subscribe catches up with history, then delivers live events', async () => {
    const store = ctx.store()
    await store.append('a', [ev('H1'), ev('H2')])
    await store.append('b', [ev('H3')])
    const caughtUp: number[] = []
    const subscription = store.subscribe({ onCaughtUp: (p) => caughtUp.push(p), batchSize: 2 })
    const seen: StoredEvent[] = []
    const consuming = (async () => {
      for await (const event of subscription) seen.push(event)
    })()
    await eventually(() => seen.length === 3, 10_000, 'history')
    await eventually(() => caughtUp.length === 1, 10_000, 'caught up')
    expect(caughtUp[0]).toBe(seen[2]!.globalPosition)
    const live = await store.append('a', [ev('L1'), ev('L2')])
    await eventually(() => seen.length === 5, 10_000, 'live events')
    expect(seen.map((e) => e.type)).toEqual(['H1', 'H2', 'H3', 'L1', 'L2'])
    expect(subscription.position).toBe(live.position)
    await subscription.close()
    await consuming
  })

  test('subscribe after a position delivers only later events, in log order', async () => {
    const store = ctx.store()
    for (let i = 0; i < 6; i++) await store.append(`s-${i % 2}`, [ev('E', { i })])
    const all = await collect(store.readAll())
    const subscription = store.subscribe({ after: all[2]!.globalPosition })
    const seen: StoredEvent[] = []
    for await (const event of subscription) {
      seen.push(event)
      if (seen.length === 3) break
    }
    expect(seen.map((e) => e.eventId)).toEqual(all.slice(3).map((e) => e.eventId))
  })

  test('ends a subscription on close and on abort, even while it waits', async () => {
    const store = ctx.store()
    await store.append('s', [ev('A')])
    const controller = new AbortController()
    const aborted = store.subscribe({ signal: controller.signal })
    const closed = store.subscribe()
    const drain = async (source: AsyncIterable<StoredEvent>) => (await collect(source)).length
    const a = drain(aborted)
    const c = drain(closed)
    await sleep(100)
    controller.abort()
    await closed.close()
    expect(await Promise.race([Promise.all([a, c]), sleep(5000).then(() => 'stuck')])).toEqual([1, 1])
  })

  test('delivers events of concurrent live writers exactly once, in the order readAll reports', async () => {
    const store = ctx.store()
    const subscription = store.subscribe()
    const seen: StoredEvent[] = []
    const consuming = (async () => {
      for await (const event of subscription) seen.push(event)
    })()
    const writers = Array.from({ length: 6 }, async (_, w) => {
      for (let i = 0; i < 25; i++)
        await store.append(`w-${w}-${i % 3}`, [ev('E', { w, i }), ev('F', { w, i })])
    })
    await Promise.all(writers)
    await eventually(() => seen.length >= 300, 20_000, 'all live events')
    await sleep(50)
    await subscription.close()
    await consuming
    const all = await collect(store.readAll())
    expect(seen.map((e) => e.eventId)).toEqual(all.map((e) => e.eventId))
    expect(new Set(seen.map((e) => e.eventId)).size).toBe(300)
  })

  test('upcasts events stored under an older schema version on every read path', async () => {
    const raw = ctx.store()
    await raw.append('v', [{ type: 'ValuePut', data: { k: 'a', v: 1 } }])
    await raw.append('v', [
      { type: 'ValuePut', data: { key: 'b', value: 2 }, metadata: { schemaVersion: 2 } },
    ])
    const upcasters: Upcaster[] = [
      {
        type: 'ValuePut',
        fromVersion: 1,
        upcast: ({ data }) => {
          const { k, v } = data as { k: string; v: number }
          return { data: { key: k, value: v } }
        },
      },
      {
        type: 'ValuePut',
        fromVersion: 2,
        upcast: ({ data }) => ({ type: 'ValueWasPut', data: { ...(data as object), tags: [] } }),
      },
    ]
    const store = upcastingEventStore(raw, upcasters, { currentVersions: { ValueWasPut: 3 } })
    const expected = [
      { type: 'ValueWasPut', data: { key: 'a', value: 1, tags: [] }, schemaVersion: 3 },
      { type: 'ValueWasPut', data: { key: 'b', value: 2, tags: [] }, schemaVersion: 3 },
    ]
    const shape = (events: readonly StoredEvent[]) =>
      events.map((e) => ({ type: e.type, data: e.data, schemaVersion: e.metadata.schemaVersion }))
    expect(shape((await store.readStream('v')).events)).toEqual(expected)
    expect(shape(await collect(store.readAll()))).toEqual(expected)
    const subscription = store.subscribe()
    const live: StoredEvent[] = []
    for await (const event of subscription) {
      live.push(event)
      if (live.length === 2) break
    }
    expect(shape(live)).toEqual(expected)
    const appended = await store.append('v', [
      { type: 'ValueWasPut', data: { key: 'c', value: 3, tags: [] } },
    ])
    expect(appended.events[0]!.metadata.schemaVersion).toBe(3)
    const stored = await raw.readStream('v')
    expect(stored.events.map((e) => e.metadata.schemaVersion)).toEqual([1, 2, 3])
    expect(stored.events[0]!.data).toEqual({ k: 'a', v: 1 })
  })
}
