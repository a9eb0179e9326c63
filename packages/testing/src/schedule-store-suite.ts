import type { ScheduleStore } from '@acta/core'
import { afterEach, beforeEach, describe, expect } from 'vitest'
import { conformanceTests } from './conformance-tests.js'
import { sleep } from './event-store-assertions.js'
import { scheduleLifecycleTests } from './schedule-store-lifecycle-tests.js'
import {
  at,
  fire,
  ids,
  minute,
  request,
  type ScheduleStoreSuiteOptions,
  type ScheduleStoreUnderTest,
  type ScheduleSuiteContext,
} from './schedule-store-suite-types.js'

export type { ScheduleStoreSuiteOptions, ScheduleStoreUnderTest } from './schedule-store-suite-types.js'

/**
 * The one conformance suite for the `ScheduleStore` port (the durable scheduler's storage), run by
 * every adapter: idempotent scheduling, claims, expiry, concurrency, failures, parking, listings.
 *
 * @example
 * scheduleStoreSuite('memory', {
 *   create: async () => ({ store: memoryScheduleStore() }),
 *   exceptions: { 'sees the entries of another instance on the same database': 'one process, one map' },
 * })
 */
export function scheduleStoreSuite(name: string, options: ScheduleStoreSuiteOptions): void {
  const { test, checkExceptions } = conformanceTests(name, options.exceptions, 30_000)
  let current: ScheduleStoreUnderTest | undefined
  let others: ScheduleStore[] = []
  const u = () => current!.store
  const another = async (): Promise<ScheduleStore> => {
    if (!current?.open)
      throw new Error(`${name} cannot open a second instance: list this test as an exception`)
    const store = await current.open()
    others.push(store)
    return store
  }
  const ctx: ScheduleSuiteContext = {
    test,
    store: u,
    peer: () => (current?.open ? another() : Promise.resolve(u())),
  }

  describe(`ScheduleStore conformance: ${name}`, () => {
    beforeEach(async () => {
      current = await options.create()
    })
    afterEach(async () => {
      for (const store of others) await store.close()
      others = []
      await current?.store.close()
      await current?.dispose?.()
      current = undefined
    })

    test('schedules an entry and reads it back', async () => {
      const store = u()
      const dueAt = at(minute)
      const before = Date.now()
      expect(await store.schedule(request('t-1', dueAt))).toBe('pending')
      const entry = await store.get('t-1')
      expect(entry).toMatchObject({
        id: 't-1',
        dueAt,
        payload: { type: 'expire-todo', data: { id: 't-1' } },
        status: 'pending',
        attempts: 0,
        lastError: undefined,
      })
      expect(entry!.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000)
      expect(await store.get('missing')).toBeUndefined()
    })

    test('replaces the time and payload of a pending entry, keeping its creation time', async () => {
      const store = u()
      await store.schedule(request('t-1', at(minute), { v: 1 }))
      const created = (await store.get('t-1'))!.createdAt
      const later = at(2 * minute)
      expect(await store.schedule(request('t-1', later, { v: 2 }))).toBe('pending')
      const entry = await store.get('t-1')
      expect(entry).toMatchObject({ dueAt: later, payload: { data: { v: 2 } }, status: 'pending' })
      expect(entry!.createdAt).toEqual(created)
      expect(await store.pending()).toHaveLength(1)
    })

    test('leaves an entry that already fired alone and reports it done', async () => {
      const store = u()
      await fire(store, 't-1')
      expect(await store.schedule(request('t-1', at(minute), { v: 2 }))).toBe('done')
      expect(await store.get('t-1')).toMatchObject({ status: 'done', payload: { data: { id: 't-1' } } })
      expect(await store.claimDue({ now: at(2 * minute), limit: 10, owner: 'a', ttlMs: minute })).toEqual([])
    })

    test('leaves a cancelled entry alone and reports it cancelled', async () => {
      const store = u()
      await store.schedule(request('t-1', at(-1000)))
      expect(await store.cancel('t-1')).toBe(true)
      expect(await store.schedule(request('t-1', at(-1000)))).toBe('cancelled')
      expect(await store.get('t-1')).toMatchObject({ status: 'cancelled' })
      expect(await store.claimDue({ now: new Date(), limit: 10, owner: 'a', ttlMs: minute })).toEqual([])
    })

    test('claims due entries earliest due first, up to the limit', async () => {
      const store = u()
      await store.schedule(request('c', at(-1000)))
      await store.schedule(request('a', at(-3000)))
      await store.schedule(request('b', at(-2000)))
      await store.schedule(request('b2', at(-2000)))
      const first = await store.claimDue({ now: new Date(), limit: 3, owner: 'a', ttlMs: minute })
      expect(ids(first)).toEqual(['a', 'b', 'b2'])
      expect(first[0]).toMatchObject({
        status: 'pending',
        payload: { type: 'expire-todo', data: { id: 'a' } },
      })
      const rest = await store.claimDue({ now: new Date(), limit: 3, owner: 'a', ttlMs: minute })
      expect(ids(rest)).toEqual(['c'])
    })

    test('does not claim entries that are not yet due', async () => {
      const store = u()
      await store.schedule(request('soon', at(minute)))
      await store.schedule(request('now', at(0)))
      const now = new Date()
      expect(ids(await store.claimDue({ now, limit: 10, owner: 'a', ttlMs: minute }))).toEqual(['now'])
      expect(await store.claimDue({ now, limit: 10, owner: 'a', ttlMs: minute })).toEqual([])
      const later = at(2 * minute)
      expect(ids(await store.claimDue({ now: later, limit: 10, owner: 'a', ttlMs: minute }))).toEqual([
        'soon',
      ])
    })

    test('hands a claimed entry to no other owner while the claim lasts', async () => {
      const store = u()
      await store.schedule(request('t-1', at(-1000)))
      expect(ids(await store.claimDue({ now: new Date(), limit: 10, owner: 'a', ttlMs: minute }))).toEqual([
        't-1',
      ])
      expect(await store.claimDue({ now: new Date(), limit: 10, owner: 'b', ttlMs: minute })).toEqual([])
      expect(await store.claimDue({ now: new Date(), limit: 10, owner: 'a', ttlMs: minute })).toEqual([])
      expect(await store.get('t-1')).toMatchObject({ status: 'pending' })
    })

    test("gives a crashed owner's entries back once the claim expires", async () => {
      const store = u()
      await store.schedule(request('t-1', at(-1000)))
      expect(await store.claimDue({ now: new Date(), limit: 10, owner: 'a', ttlMs: 150 })).toHaveLength(1)
      await sleep(300)
      expect(ids(await store.claimDue({ now: new Date(), limit: 10, owner: 'b', ttlMs: minute }))).toEqual([
        't-1',
      ])
      expect(await store.complete('t-1', 'a')).toBe(false)
      expect(await store.complete('t-1', 'b')).toBe(true)
    })

    test('never hands one entry to two concurrent claimants', async () => {
      const store = u()
      const peer = await ctx.peer()
      const count = 120
      for (let i = 0; i < count; i++) await store.schedule(request(`e-${String(i).padStart(3, '0')}`, at(-i)))
      const drain = async (claimant: ScheduleStore, owner: string) => {
        const got: string[] = []
        for (;;) {
          const batch = await claimant.claimDue({ now: new Date(), limit: 7, owner, ttlMs: minute })
          if (batch.length === 0 || got.length > count) return got
          got.push(...ids(batch))
        }
      }
      const [a, b, c, d] = await Promise.all([
        drain(store, 'a'),
        drain(peer, 'b'),
        drain(store, 'c'),
        drain(peer, 'd'),
      ])
      const all = [...a, ...b, ...c, ...d]
      expect(new Set(all).size).toBe(all.length)
      expect(all).toHaveLength(count)
    })

    test('completes an entry only for the holder of its claim', async () => {
      const store = u()
      await store.schedule(request('t-1', at(-1000)))
      expect(await store.complete('t-1', 'a')).toBe(false)
      await store.claimDue({ now: new Date(), limit: 10, owner: 'a', ttlMs: minute })
      expect(await store.complete('t-1', 'b')).toBe(false)
      expect(await store.fail('t-1', 'b', 'not mine', at(0))).toBe(false)
      expect(await store.park('t-1', 'b', 'not mine')).toBe(false)
      expect(await store.get('t-1')).toMatchObject({ status: 'pending', attempts: 0 })
      expect(await store.complete('t-1', 'a')).toBe(true)
      expect(await store.get('t-1')).toMatchObject({ status: 'done' })
      expect(await store.complete('t-1', 'a')).toBe(false)
      expect(await store.complete('missing', 'a')).toBe(false)
    })

    test('sees the entries of another instance on the same database', async () => {
      const store = u()
      const peer = await another()
      await store.schedule(request('t-1', at(-1000)))
      expect(ids(await peer.pending())).toEqual(['t-1'])
      expect(ids(await peer.claimDue({ now: new Date(), limit: 10, owner: 'b', ttlMs: minute }))).toEqual([
        't-1',
      ])
      expect(await store.claimDue({ now: new Date(), limit: 10, owner: 'a', ttlMs: minute })).toEqual([])
      expect(await store.complete('t-1', 'b')).toBe(true)
      expect(await peer.get('t-1')).toMatchObject({ status: 'done' })
    })

    describe('failures, parking and listings', () => scheduleLifecycleTests(ctx))

    checkExceptions()
  })
}
