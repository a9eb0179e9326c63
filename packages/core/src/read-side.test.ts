import { afterEach, describe, expect, it } from 'vitest'
import { memoryCoordination } from './coordination.js'
import { memoryDocumentStore } from './memory-document-store.js'
import { memoryEventStore } from './memory-event-store.js'
import { defineProjection } from './projection.js'
import { createReadSide } from './read-side.js'
import type { ReadSide } from './read-side-types.js'
import type { DocumentStore } from './document-store.js'
import type { EventStore } from './event-store.js'

type Counted = { count: number; version?: number }

const counter = (version = 1, fail?: (n: number) => boolean, onFailure?: 'fault' | 'park') =>
  defineProjection({
    name: 'counter',
    version,
    collections: { counts: {} },
    onFailure,
    handlers: {
      Added: async (event, ctx) => {
        const n = (event.data as { n: number }).n
        if (fail?.(n)) throw new Error(`cannot count ${n}`)
        const counts = ctx.collection<Counted>('counts')
        const current = await counts.get(event.streamId)
        await counts.put(event.streamId, { count: (current?.count ?? 0) + n, version })
      },
    },
  })

const until = async (check: () => Promise<boolean> | boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('read side on the memory adapters', () => {
  let store: EventStore
  let documents: DocumentStore
  const sides: ReadSide[] = []
  const coordination = memoryCoordination()
  const side = (options: Partial<Parameters<typeof createReadSide>[0]> = {}) => {
    const readSide = createReadSide({
      store,
      documents,
      leases: coordination.leases,
      leaseTtlMs: 300,
      retryDelayMs: 5,
      attempts: 3,
      ...options,
    })
    sides.push(readSide)
    return readSide
  }
  const add = (stream: string, ...ns: number[]) =>
    store.append(
      stream,
      ns.map((n) => ({ type: 'Added', data: { n } })),
    )

  afterEach(async () => {
    await Promise.all(sides.splice(0).map((s) => s.stop()))
  })

  const fresh = () => {
    store = memoryEventStore()
    documents = memoryDocumentStore()
  }

  it('folds history and live events into documents and reports itself running', async () => {
    fresh()
    await add('a-1', 1, 2)
    const readSide = side()
    readSide.register(counter())
    await readSide.start()
    const appended = await add('a-1', 3)
    expect(await readSide.waitFor('counter', appended.position)).toBe(true)
    expect(await readSide.collection<Counted>('counter', 'counts').get('a-1')).toMatchObject({ count: 6 })
    await until(async () => (await readSide.status())[0]?.state === 'running')
    const [status] = await readSide.status()
    expect(status).toMatchObject({
      name: 'counter',
      position: 3,
      headPosition: 3,
      lagEvents: 0,
      activeBuild: 1,
    })
  })

  it('runs a projection on one instance only; the other waits in standby', async () => {
    fresh()
    await add('a-1', 1)
    const first = side()
    const second = side()
    first.register(counter())
    second.register(counter())
    await first.start()
    await second.start()
    const states = [(await first.status())[0]?.state, (await second.status())[0]?.state]
    expect(states.filter((state) => state === 'standby')).toHaveLength(1)
  })

  it('faults on an event that keeps failing, names it, and resumes when started again', async () => {
    fresh()
    let broken = true
    const readSide = side()
    readSide.register(counter(1, (n) => broken && n === 13))
    await readSide.start()
    await add('a-1', 1)
    const bad = await add('a-1', 13, 2)
    await until(async () => (await readSide.status())[0]?.state === 'faulted')
    const [status] = await readSide.status()
    expect(status?.lastError?.event?.globalPosition).toBe(bad.position - 1)
    expect(status?.lastError?.message).toContain('cannot count 13')
    expect(status?.position).toBe(1)
    broken = false
    await readSide.startProjection('counter')
    expect(await readSide.waitFor('counter', bad.position)).toBe(true)
    expect(await readSide.collection<Counted>('counter', 'counts').get('a-1')).toMatchObject({ count: 16 })
  })

  it('parks an event that keeps failing when told to, and goes on', async () => {
    fresh()
    const readSide = side()
    readSide.register(counter(1, (n) => n === 13, 'park'))
    await readSide.start()
    const last = await add('a-1', 1, 13, 2)
    expect(await readSide.waitFor('counter', last.position)).toBe(true)
    expect(await readSide.collection<Counted>('counter', 'counts').get('a-1')).toMatchObject({ count: 3 })
    const parked = await readSide.parked('counter')
    expect(parked).toHaveLength(1)
    expect(parked[0]).toMatchObject({ globalPosition: 2, type: 'Added', attempts: 3 })
    expect((await readSide.status())[0]?.parked).toBe(1)
  })

  it('builds a new version beside the old one and switches once it caught up', async () => {
    fresh()
    await add('a-1', 1, 2)
    const old = side()
    old.register(counter(1))
    await old.start()
    await until(async () => (await old.waitFor('counter', 2)) === true)
    const progress: number[] = []
    const next = side({ onProgress: (p) => progress.push(p.fraction) })
    next.register(counter(2))
    await next.start()
    await until(async () => (await documents.activeBuild('counter')) === 2)
    expect(await next.collection<Counted>('counter', 'counts').get('a-1')).toEqual({ count: 3, version: 2 })
    expect(progress.at(-1)).toBe(1)
    await until(async () => (await old.status())[0]?.state === 'superseded')
    const after = await add('a-1', 4)
    expect(await next.waitFor('counter', after.position)).toBe(true)
    expect(await next.collection<Counted>('counter', 'counts').get('a-1')).toEqual({ count: 7, version: 2 })
    await next.drop('counter', 1)
    expect(await documents.collections()).not.toContain('counts_b1')
  })

  it('rebuilds the same version blue/green and resets in place', async () => {
    fresh()
    await add('a-1', 1, 2)
    await add('b-1', 5)
    const readSide = side()
    readSide.register(counter())
    await readSide.start()
    expect(await readSide.waitFor('counter', 3)).toBe(true)
    const build = await readSide.rebuild('counter')
    expect(build).toBe(2)
    await until(async () => (await documents.activeBuild('counter')) === 2)
    expect(await readSide.collection<Counted>('counter', 'counts').find()).toEqual([
      { count: 3, version: 1 },
      { count: 5, version: 1 },
    ])
    await readSide.reset('counter')
    expect(await readSide.waitFor('counter', 3)).toBe(true)
    expect(await readSide.collection<Counted>('counter', 'counts').count()).toBe(2)
    expect(await readSide.collection<Counted>('counter', 'counts').get('b-1')).toEqual({
      count: 5,
      version: 1,
    })
  })

  it('stops on request and catches up when started again', async () => {
    fresh()
    const readSide = side()
    readSide.register(counter())
    await readSide.start()
    await readSide.stopProjection('counter')
    expect((await readSide.status())[0]?.state).toBe('stopped')
    const appended = await add('a-1', 1)
    expect(await readSide.waitFor('counter', appended.position, 200)).toBe(false)
    await readSide.startProjection('counter')
    expect(await readSide.waitFor('counter', appended.position)).toBe(true)
  })
})
