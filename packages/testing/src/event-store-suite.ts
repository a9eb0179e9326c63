import { isActaError, isUuid, uuidv7, type EventStore, type StoredEvent } from '@acta/core'
import { afterEach, beforeEach, describe, expect } from 'vitest'
import { conformanceTests } from './conformance-tests.js'
import { crashTest } from './event-store-crash.js'
import type { EventStoreSuiteOptions, StoreUnderTest } from './event-store-suite-types.js'
import { tortureTest } from './event-store-torture.js'
import { collect, expectActaError, take } from './event-store-assertions.js'
import { subscriptionTests } from './event-store-subscription-tests.js'
import { managementTests } from './event-store-management-tests.js'

export type { CreateStoreOptions, EventStoreSuiteOptions, StoreUnderTest } from './event-store-suite-types.js'

/** Shared state of one conformance run, handed to each group of tests. */
export interface SuiteContext {
  readonly name: string
  readonly options: EventStoreSuiteOptions
  store: () => EventStore
  /** The store under test with its child-process environment. */
  underTest: () => StoreUnderTest
  /** Registers a test, or skips it with its reason when the adapter lists it as an exception. */
  test: (name: string, body: () => Promise<void>, timeoutMs?: number) => void
}

/**
 * The one conformance suite every EventStore adapter runs.
 *
 * @example
 * eventStoreSuite('postgres', {
 *   create: async () => ({ store: postgresEventStore({ connectionString, schema }), dispose }),
 * })
 */
export function eventStoreSuite(name: string, options: EventStoreSuiteOptions): void {
  const { test, checkExceptions } = conformanceTests(name, options.exceptions)
  let current: StoreUnderTest | undefined

  const ctx: SuiteContext = {
    name,
    options,
    store() {
      if (!current) throw new Error('No store under test: use ctx.store() inside a test body')
      return current.store
    },
    underTest() {
      if (!current) throw new Error('No store under test: use ctx.underTest() inside a test body')
      return current
    },
    test,
  }

  describe(`EventStore conformance: ${name}`, () => {
    beforeEach(async () => {
      current = await options.create()
    })
    afterEach(async () => {
      const done = current
      current = undefined
      await done?.store.close()
      await done?.dispose?.()
    })

    describe('append and expected version', () => appendTests(ctx))
    describe('reading', () => readTests(ctx))
    describe('stream management', () => managementTests(ctx))
    describe('subscriptions', () => subscriptionTests(ctx))
    describe('bad input', () => badInputTests(ctx))
    describe('torture', () => tortureTest(ctx))
    describe('crash', () => crashTest(ctx))

    checkExceptions()
  })
}

const ev = (type: string, data: unknown = {}, extra: Record<string, unknown> = {}) => ({
  type,
  data,
  ...extra,
})

function appendTests(ctx: SuiteContext): void {
  const { test } = ctx

  test('appends to a new stream with no-stream and reads it back', async () => {
    const store = ctx.store()
    const result = await store.append('order-1', [ev('Placed', { total: 10 }), ev('Paid', { amount: 10 })], {
      expectedVersion: 'no-stream',
    })
    expect(result).toMatchObject({ streamId: 'order-1', version: 2, duplicate: false })
    expect(result.events.map((e) => [e.type, e.streamVersion])).toEqual([
      ['Placed', 1],
      ['Paid', 2],
    ])
    expect(result.position).toBe(result.events[1]!.globalPosition)
    const read = await store.readStream('order-1')
    expect(read).toMatchObject({ streamId: 'order-1', version: 2, exists: true })
    expect(read.events).toEqual(result.events)
    const first = read.events[0]!
    expect(isUuid(first.eventId)).toBe(true)
    expect(first.recordedAt).toBeInstanceOf(Date)
    expect(Math.abs(first.recordedAt.getTime() - Date.now())).toBeLessThan(60_000)
    expect(first.metadata.schemaVersion).toBe(1)
  })

  test('numbers stream versions from 1 without gaps across appends', async () => {
    const store = ctx.store()
    for (let i = 0; i < 5; i++) await store.append('counter', [ev('Inc'), ev('Inc')])
    const { events, version } = await store.readStream('counter')
    expect(version).toBe(10)
    expect(events.map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    const positions = events.map((e) => e.globalPosition)
    expect(new Set(positions).size).toBe(10)
  })

  test('accepts any on new and existing streams', async () => {
    const store = ctx.store()
    await store.append('s', [ev('A')], { expectedVersion: 'any' })
    const second = await store.append('s', [ev('B')], { expectedVersion: 'any' })
    expect(second.version).toBe(2)
    expect((await store.append('s', [ev('C')])).version).toBe(3)
  })

  test('rejects no-stream when the stream exists, reporting the actual version', async () => {
    const store = ctx.store()
    await store.append('s', [ev('A'), ev('B')])
    const error = await expectActaError(
      store.append('s', [ev('C')], { expectedVersion: 'no-stream' }),
      'CONCURRENCY',
    )
    expect(error).toMatchObject({ streamId: 's', expectedVersion: 'no-stream', actualVersion: 2 })
  })

  test('treats expected version 0 as no-stream', async () => {
    const store = ctx.store()
    expect((await store.append('s', [ev('A')], { expectedVersion: 0 })).version).toBe(1)
    const error = await expectActaError(store.append('s', [ev('B')], { expectedVersion: 0 }), 'CONCURRENCY')
    expect(error).toMatchObject({ actualVersion: 1 })
  })

  test('accepts stream-exists on an existing stream', async () => {
    const store = ctx.store()
    await store.append('s', [ev('A')])
    expect((await store.append('s', [ev('B')], { expectedVersion: 'stream-exists' })).version).toBe(2)
  })

  test('rejects stream-exists on a missing stream, reporting version 0', async () => {
    const store = ctx.store()
    const error = await expectActaError(
      store.append('missing', [ev('A')], { expectedVersion: 'stream-exists' }),
      'CONCURRENCY',
    )
    expect(error).toMatchObject({ streamId: 'missing', actualVersion: 0 })
    expect((await store.readStream('missing')).exists).toBe(false)
  })

  test('accepts the exact expected version', async () => {
    const store = ctx.store()
    await store.append('s', [ev('A'), ev('B'), ev('C')])
    const result = await store.append('s', [ev('D')], { expectedVersion: 3 })
    expect(result.version).toBe(4)
    expect(result.events[0]!.streamVersion).toBe(4)
  })

  test('rejects a stale exact version, reporting the actual version', async () => {
    const store = ctx.store()
    await store.append('s', [ev('A'), ev('B'), ev('C')])
    const error = await expectActaError(store.append('s', [ev('X')], { expectedVersion: 2 }), 'CONCURRENCY')
    expect(error).toMatchObject({ expectedVersion: 2, actualVersion: 3 })
    expect((await store.readStream('s')).version).toBe(3)
  })

  test('rejects an exact version ahead of the stream and on a missing stream', async () => {
    const store = ctx.store()
    await store.append('s', [ev('A')])
    expect(
      await expectActaError(store.append('s', [ev('X')], { expectedVersion: 5 }), 'CONCURRENCY'),
    ).toMatchObject({
      actualVersion: 1,
    })
    expect(
      await expectActaError(store.append('nope', [ev('X')], { expectedVersion: 1 }), 'CONCURRENCY'),
    ).toMatchObject({ actualVersion: 0 })
  })

  test('writes a refused batch not at all', async () => {
    const store = ctx.store()
    await store.append('s', [ev('A')])
    await expectActaError(
      store.append('s', [ev('B'), ev('C'), ev('D')], { expectedVersion: 7 }),
      'CONCURRENCY',
    )
    const head = await store.headPosition()
    const all = await collect(store.readAll())
    expect(all.map((e) => e.type)).toEqual(['A'])
    expect(head).toBe(all[0]!.globalPosition)
  })

  test('lets exactly one of N concurrent writers win each version', async () => {
    const store = ctx.store()
    await store.append('race', [ev('Start')])
    const writers = 12
    for (let version = 1; version <= 5; version++) {
      const outcomes = await Promise.allSettled(
        Array.from({ length: writers }, (_, w) =>
          store.append('race', [ev('Step', { w, version }), ev('Step2', { w })], {
            expectedVersion: 1 + (version - 1) * 2,
          }),
        ),
      )
      const won = outcomes.filter((o) => o.status === 'fulfilled')
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')
      expect(won).toHaveLength(1)
      for (const { reason } of lost) {
        expect(isActaError(reason, 'CONCURRENCY')).toBe(true)
        expect((reason as { actualVersion: number }).actualVersion).toBe(1 + version * 2)
      }
    }
    const { events } = await store.readStream('race')
    expect(events.map((e) => e.streamVersion)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1))
  })

  test('lets concurrent writers with expected version any all succeed without gaps', async () => {
    const store = ctx.store()
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.append('shared', [ev('E', { i }), ev('F', { i })])),
    )
    const { events } = await store.readStream('shared')
    expect(events.map((e) => e.streamVersion)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    for (let i = 0; i < 40; i += 2) expect(events[i + 1]!.data).toEqual(events[i]!.data)
  })

  test('returns the first result for a retried append with the same event ids and writes nothing', async () => {
    const store = ctx.store()
    const batch = [ev('A', { n: 1 }, { eventId: uuidv7() }), ev('B', { n: 2 }, { eventId: uuidv7() })]
    const first = await store.append('s', batch, { expectedVersion: 'no-stream' })
    await store.append('s', [ev('C')])
    const retry = await store.append('s', batch, { expectedVersion: 'no-stream' })
    expect(retry.duplicate).toBe(true)
    expect(retry.version).toBe(first.version)
    expect(retry.position).toBe(first.position)
    expect(retry.events.map((e) => [e.eventId, e.streamVersion, e.globalPosition])).toEqual(
      first.events.map((e) => [e.eventId, e.streamVersion, e.globalPosition]),
    )
    const all = await collect(store.readAll())
    expect(all.map((e) => e.type)).toEqual(['A', 'B', 'C'])
  })

  test('accepts upper-case event ids and stores them in canonical lower case', async () => {
    const store = ctx.store()
    const id = uuidv7().toUpperCase()
    const first = await store.append('s', [ev('A', {}, { eventId: id })])
    expect(first.events[0]!.eventId).toBe(id.toLowerCase())
    expect((await store.append('s', [ev('A', {}, { eventId: id.toLowerCase() })])).duplicate).toBe(true)
  })

  test('refuses event ids reused by a different append', async () => {
    const store = ctx.store()
    const id = uuidv7()
    await store.append('s', [ev('A', {}, { eventId: id })])
    await expectActaError(store.append('other', [ev('A', {}, { eventId: id })]), 'IDEMPOTENCY')
    await expectActaError(store.append('s', [ev('Z'), ev('A', {}, { eventId: id })]), 'IDEMPOTENCY')
    expect((await collect(store.readAll())).length).toBe(1)
  })

  test('keeps data and metadata verbatim', async () => {
    const store = ctx.store()
    const data = {
      text: 'naïve café ☕ 𝄞 "quoted" \\ back\nline',
      numbers: [0, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER],
      nested: { deep: { list: [true, false, null, { a: [] }] } },
      empty: '',
    }
    const metadata = {
      correlationId: 'corr-1',
      causationId: 'cause-1',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      userId: 'u-1',
      schemaVersion: 3,
    }
    await store.append('s', [{ type: 'Rich', data, metadata }])
    const [stored] = (await store.readStream('s')).events
    expect(stored!.data).toEqual(data)
    expect(stored!.metadata).toEqual(metadata)
    const [fromLog] = await collect(store.readAll())
    expect(fromLog!.data).toEqual(data)
    expect(fromLog!.metadata).toEqual(metadata)
  })

  test('accepts any JSON value as data', async () => {
    const store = ctx.store()
    const values = ['text', 42, null, [1, 'two'], { a: 1 }, true]
    await store.append(
      'json',
      values.map((data) => ev('V', data)),
    )
    expect((await store.readStream('json')).events.map((e) => e.data)).toEqual(values)
  })
}

function readTests(ctx: SuiteContext): void {
  const { test } = ctx
  const seed = async (store: EventStore, stream: string, count: number) =>
    store.append(
      stream,
      Array.from({ length: count }, (_, i) => ev('N', { i: i + 1 })),
    )

  test('reads a stream forwards from a version with a limit', async () => {
    const store = ctx.store()
    await seed(store, 's', 10)
    const page = await store.readStream('s', { from: 4, limit: 3 })
    expect(page.events.map((e) => e.streamVersion)).toEqual([4, 5, 6])
    expect(page.version).toBe(10)
    expect((await store.readStream('s', { from: 9 })).events.map((e) => e.streamVersion)).toEqual([9, 10])
    expect((await store.readStream('s', { from: 11 })).events).toEqual([])
    expect((await store.readStream('s', { limit: 0 })).events).toEqual([])
  })

  test('reads a stream backwards from a version with a limit', async () => {
    const store = ctx.store()
    await seed(store, 's', 10)
    const latest = await store.readStream('s', { direction: 'backwards', limit: 3 })
    expect(latest.events.map((e) => e.streamVersion)).toEqual([10, 9, 8])
    const page = await store.readStream('s', { direction: 'backwards', from: 4, limit: 10 })
    expect(page.events.map((e) => e.streamVersion)).toEqual([4, 3, 2, 1])
  })

  test('reports a missing stream as not existing at version 0', async () => {
    const store = ctx.store()
    await seed(store, 'other', 1)
    expect(await store.readStream('missing')).toEqual({
      streamId: 'missing',
      events: [],
      version: 0,
      exists: false,
    })
  })

  test('reads the global log in order after a position, with a limit and in batches', async () => {
    const store = ctx.store()
    const appended: StoredEvent[] = []
    for (let i = 0; i < 30; i++) appended.push(...(await store.append(`s-${i % 4}`, [ev('N', { i })])).events)
    const all = await collect(store.readAll({ batchSize: 7 }))
    expect(all.map((e) => e.eventId)).toEqual(appended.map((e) => e.eventId))
    const after = await collect(store.readAll({ after: all[9]!.globalPosition, limit: 5, batchSize: 2 }))
    expect(after.map((e) => e.eventId)).toEqual(all.slice(10, 15).map((e) => e.eventId))
    expect(await collect(store.readAll({ after: all[29]!.globalPosition }))).toEqual([])
  })

  test('reads the events of one correlation across streams in log order, with a limit', async () => {
    const store = ctx.store()
    const odd = `flow-'"; DROP TABLE x; -- ü ${uuidv7()}`
    const meta = (correlationId: string) => ({ metadata: { correlationId, causationId: 'c' } })
    await store.append('order-1', [ev('Placed', { n: 1 }, meta('flow-a')), ev('Noted', {}, meta('flow-b'))])
    await store.append('payment-1', [ev('Charged', { n: 2 }, meta('flow-a'))])
    await store.append('misc-1', [ev('Plain'), ev('Odd', {}, meta(odd))])
    await store.append('order-1', [ev('Shipped', { n: 3 }, meta('flow-a'))])
    await store.deleteStream('payment-1')

    const flow = await store.readByCorrelation('flow-a')
    expect(flow.map((e) => [e.streamId, e.type, e.data])).toEqual([
      ['order-1', 'Placed', { n: 1 }],
      ['payment-1', 'Charged', { n: 2 }],
      ['order-1', 'Shipped', { n: 3 }],
    ])
    const positions = flow.map((e) => e.globalPosition)
    const inLog = (await collect(store.readAll())).filter((e) => e.metadata.correlationId === 'flow-a')
    expect(inLog.map((e) => e.globalPosition)).toEqual(positions)
    expect((await store.readByCorrelation('flow-a', { limit: 2 })).map((e) => e.type)).toEqual([
      'Placed',
      'Charged',
    ])
    expect((await store.readByCorrelation(odd)).map((e) => e.type)).toEqual(['Odd'])
    expect(await store.readByCorrelation('flow-none')).toEqual([])
  })

  test('refuses a correlation read without an id or with a bad limit', async () => {
    const store = ctx.store()
    await expectActaError(store.readByCorrelation(''), 'VALIDATION')
    await expectActaError(store.readByCorrelation(42 as unknown as string), 'VALIDATION')
    await expectActaError(store.readByCorrelation('x', { limit: 0 }), 'VALIDATION')
    await expectActaError(store.readByCorrelation('x', { limit: 10_001 }), 'VALIDATION')
    await expectActaError(store.readByCorrelation('x', { limit: 1.5 }), 'VALIDATION')
  })

  test('reports the head position', async () => {
    const store = ctx.store()
    expect(await store.headPosition()).toBe(0)
    await seed(store, 'a', 3)
    const last = await store.append('b', [ev('X')])
    expect(await store.headPosition()).toBe(last.position)
  })

  test('reads a large stream completely', async () => {
    const store = ctx.store()
    for (let i = 0; i < 5; i++) await seed(store, 'big', 250)
    const { events } = await store.readStream('big')
    expect(events).toHaveLength(1250)
    expect(events.at(-1)!.streamVersion).toBe(1250)
    expect(await take(store.readAll({ batchSize: 100 }), 2000)).toHaveLength(1250)
  })
}

function badInputTests(ctx: SuiteContext): void {
  const { test } = ctx

  test('rejects malformed appends with validation errors and writes nothing', async () => {
    const store = ctx.store()
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    const bad: [string, () => Promise<unknown>][] = [
      ['empty stream id', () => store.append('', [ev('A')])],
      ['non-string stream id', () => store.append(42 as unknown as string, [ev('A')])],
      ['NUL in stream id', () => store.append('a\0b', [ev('A')])],
      ['too long stream id', () => store.append('x'.repeat(10_000), [ev('A')])],
      ['no events', () => store.append('s', [])],
      ['empty type', () => store.append('s', [ev('')])],
      ['bigint data', () => store.append('s', [ev('A', { n: 1n })])],
      ['cyclic data', () => store.append('s', [ev('A', cycle)])],
      ['function data', () => store.append('s', [ev('A', { f: () => 1 })])],
      ['NaN data', () => store.append('s', [ev('A', { n: Number.NaN })])],
      ['undefined data', () => store.append('s', [{ type: 'A', data: undefined }])],
      ['NUL in data', () => store.append('s', [ev('A', { t: 'a\0b' })])],
      ['metadata not an object', () => store.append('s', [ev('A', {}, { metadata: 'x' })])],
      ['bad schema version', () => store.append('s', [ev('A', {}, { metadata: { schemaVersion: 0 } })])],
      ['event id not a uuid', () => store.append('s', [ev('A', {}, { eventId: "1' OR '1'='1" })])],
      [
        'same event id twice',
        () => {
          const id = uuidv7()
          return store.append('s', [ev('A', {}, { eventId: id }), ev('B', {}, { eventId: id })])
        },
      ],
      ['negative expected version', () => store.append('s', [ev('A')], { expectedVersion: -1 })],
      ['fractional expected version', () => store.append('s', [ev('A')], { expectedVersion: 1.5 })],
      [
        'unknown expected version',
        () => store.append('s', [ev('A')], { expectedVersion: 'latest' as never }),
      ],
      ['bad read direction', () => store.readStream('s', { direction: 'up' as never })],
      ['negative read limit', () => store.readStream('s', { limit: -1 })],
      ['empty stream id on read', () => store.readStream('')],
    ]
    for (const [label, attempt] of bad) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(
        isActaError(error, 'VALIDATION'),
        `${label} should be refused with VALIDATION, got ${String(error)}`,
      ).toBe(true)
    }
    expect(await store.headPosition()).toBe(0)
    expect(await collect(store.readAll())).toEqual([])
  })

  test('stores stream ids with quotes, SQL fragments and unicode verbatim', async () => {
    const store = ctx.store()
    const ids = [
      `it's "quoted"`,
      `x'); DROP TABLE acta_events; --`,
      'back\\slash%_wild*card',
      'emoji-🚀-日本語-Ελληνικά',
      ' leading and trailing ',
      'tab\tnew\nline',
      'ǅ-combining-é-e\u0301',
    ]
    for (const id of ids) await store.append(id, [ev('Named', { id })])
    for (const id of ids) {
      const { events, exists } = await store.readStream(id)
      expect(exists).toBe(true)
      expect(events.map((e) => [e.streamId, (e.data as { id: string }).id])).toEqual([[id, id]])
    }
    const all = await collect(store.readAll())
    expect(all.map((e) => e.streamId)).toEqual(ids)
    expect((await store.streamInfo(ids[1]!)).version).toBe(1)
  })
}

export { collect, take } from './event-store-assertions.js'
