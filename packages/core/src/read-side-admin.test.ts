import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { memoryCoordination } from './coordination.js'
import type { DocumentStore } from './document-store.js'
import type { EventStore } from './event-store.js'
import { memoryDocumentStore } from './memory-document-store.js'
import { memoryEventStore } from './memory-event-store.js'
import type { ControlRecord } from './projection-build.js'
import { controlsCollection } from './projection-build.js'
import { defineProjection } from './projection.js'
import { readSideAdmin, type ReadSideAdminOptions } from './read-side-admin.js'
import { createReadSide } from './read-side.js'
import type { ReadSide, RebuildProgress } from './read-side-types.js'

type Counted = { count: number }

/** Counts per stream; `applied` counts handler calls, so a replay shows. */
const counter = (fail?: (n: number) => boolean) => {
  const calls = { applied: 0 }
  const definition = defineProjection({
    name: 'counter',
    version: 1,
    collections: { counts: {} },
    handlers: {
      Added: async (event, ctx) => {
        const n = (event.data as { n: number }).n
        if (fail?.(n)) throw new Error(`cannot count ${n}`)
        calls.applied++
        const counts = ctx.collection<Counted>('counts')
        const current = await counts.get(event.streamId)
        await counts.put(event.streamId, { count: (current?.count ?? 0) + n })
      },
    },
  })
  return { definition, calls }
}

const until = async (check: () => Promise<boolean> | boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('read side administration from another process', () => {
  let store: EventStore
  let documents: DocumentStore
  let coordination: ReturnType<typeof memoryCoordination>
  const sides: ReadSide[] = []

  beforeEach(() => {
    store = memoryEventStore()
    documents = memoryDocumentStore()
    coordination = memoryCoordination()
  })
  afterEach(async () => {
    await Promise.all(sides.splice(0).map((side) => side.stop()))
  })

  const add = (stream: string, ...ns: number[]) =>
    store.append(
      stream,
      ns.map((n) => ({ type: 'Added', data: { n } })),
    )
  const run = async (projection = counter(), leaseTtlMs = 300) => {
    const readSide = createReadSide({
      store,
      documents,
      leases: coordination.leases,
      leaseTtlMs,
      retryDelayMs: 5,
      attempts: 2,
    })
    sides.push(readSide)
    readSide.register(projection.definition)
    await readSide.start()
    return { readSide, calls: projection.calls }
  }
  const admin = (extra: Partial<ReadSideAdminOptions> = {}) =>
    readSideAdmin({ store, documents, leases: coordination.leases, ...extra })
  const stateOf = async (name = 'counter') => (await admin().get(name)).state

  it('reports a projection another instance runs, from what that instance persisted', async () => {
    // Given a projection running in another read side, caught up with three events
    await add('a-1', 1, 2)
    await add('b-1', 5)
    await run()
    await until(async () => (await stateOf()) === 'running')

    // When the admin reads the status
    const [status, ...others] = await admin().status()

    // Then it sees the projection, its lease holder, its position and its builds
    expect(others).toEqual([])
    expect(status).toMatchObject({
      name: 'counter',
      kind: 'projection',
      version: 1,
      state: 'running',
      activeBuild: 1,
      position: 3,
      headPosition: 3,
      lagEvents: 0,
      lagMs: 0,
      parked: 0,
      rebuild: undefined,
    })
    expect(status?.owner).toEqual(expect.any(String))
    expect(status?.builds).toEqual([
      expect.objectContaining({ build: 1, state: 'active', position: 3, local: false, caughtUp: true }),
    ])
  })

  it('stops and starts the projection through persisted controls', async () => {
    // Given a running projection
    const { readSide } = await run()
    await until(async () => (await stateOf()) === 'running')

    // When the admin stops it, then events arrive
    await admin().stop('counter')
    await until(async () => (await stateOf()) === 'stopped')
    const appended = await add('a-1', 4)

    // Then nothing applies them until the admin starts it again
    expect(await readSide.waitFor('counter', appended.position, 200)).toBe(false)
    await admin().start('counter')
    expect(await readSide.waitFor('counter', appended.position)).toBe(true)
    await until(async () => (await stateOf()) === 'running')
  })

  it('resets the projection on the instance that runs it and records the request as done', async () => {
    // Given a projection that applied two events
    await add('a-1', 1, 2)
    const { readSide, calls } = await run()
    expect(await readSide.waitFor('counter', 2)).toBe(true)
    expect(calls.applied).toBe(2)

    // When the admin asks for a reset
    await admin().reset('counter')

    // Then the instance replays the log into the cleared build, once
    await until(() => calls.applied === 4)
    expect(await readSide.collection<Counted>('counter', 'counts').get('a-1')).toEqual({ count: 3 })
    const control = await documents.collection<ControlRecord>(controlsCollection).get('counter')
    expect(control).toMatchObject({ reset: 1, resetDone: 1 })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(calls.applied).toBe(4)
  })

  it('carries out a reset asked for while no instance ran the projection when one starts', async () => {
    // Given a projection that ran once and stopped with its process
    await add('a-1', 1)
    const first = await run()
    expect(await first.readSide.waitFor('counter', 1)).toBe(true)
    await first.readSide.stop()

    // When the admin asks for a reset, and an instance starts later
    await admin().reset('counter')
    const second = await run()

    // Then the new instance replays the whole log
    await until(() => second.calls.applied === 1)
    await until(
      async () =>
        (await documents.collection<ControlRecord>(controlsCollection).get('counter'))?.resetDone === 1,
    )
  })

  it('rebuilds blue/green and watches the new build until it is active', async () => {
    // Given a running projection over some history
    for (let i = 0; i < 20; i++) await add(`s-${i % 3}`, 1)
    const { readSide } = await run()
    expect(await readSide.waitFor('counter', 20)).toBe(true)

    // When the admin asks for a rebuild and watches it
    const build = await admin().rebuild('counter')
    expect(await admin().rebuild('counter')).toBe(build)
    const seen: RebuildProgress[] = []
    const outcome = await admin().watchRebuild('counter', build, (p) => seen.push(p), { pollMs: 20 })

    // Then the new build becomes active with the same documents, the last progress complete
    expect(outcome).toEqual({ ok: true, build: 2 })
    expect(seen.at(-1)).toMatchObject({ projection: 'counter', build: 2, fraction: 1, position: 20 })
    expect(await documents.activeBuild('counter')).toBe(2)
    expect(await readSide.collection<Counted>('counter', 'counts').get('s-0')).toEqual({ count: 7 })
    const status = await admin().get('counter')
    expect(status.builds.map((b) => [b.build, b.state])).toEqual([
      [1, 'retired'],
      [2, 'active'],
    ])
  })

  it('shows a fault with the failing event and resumes the projection on start', async () => {
    // Given a projection that cannot apply one event
    let broken = true
    await add('a-1', 1, 13, 2)
    await run(counter((n) => broken && n === 13))

    // When it faults, the admin sees it and the error
    await until(async () => (await stateOf()) === 'faulted')
    const status = await admin().get('counter')
    expect(status.lastError).toMatchObject({
      message: 'cannot count 13',
      event: { type: 'Added', streamId: 'a-1', globalPosition: 2 },
    })
    expect(status.lastError?.at).toBeInstanceOf(Date)

    // Then starting it after the fix resumes it to the end of the log
    broken = false
    await admin().start('counter')
    await until(async () => {
      const now = await admin().get('counter')
      return now.state === 'running' && now.position === 3
    })
  })

  it('reports a projection offline when no instance runs it, and stopped when it was stopped', async () => {
    // Given a projection whose only instance shut down
    const { readSide } = await run()
    await until(async () => (await stateOf()) === 'running')
    await readSide.stop()

    // Then it is offline, with no owner
    expect(await admin().get('counter')).toMatchObject({ state: 'offline', owner: undefined })

    // And stopped once the admin stops it
    await admin().stop('counter')
    expect(await stateOf()).toBe('stopped')
  })

  it('takes a heartbeat older than the staleness limit for a gone instance', async () => {
    // Given an instance whose heartbeat is written every few seconds (long lease)
    await run(counter(), 3000)
    await until(async () => (await stateOf()) === 'running')

    // When the admin's staleness limit is shorter than that
    const impatient = admin({ staleAfterMs: 50 })

    // Then the projection shows offline between heartbeats
    await until(async () => (await impatient.get('counter')).state === 'offline')
  })

  it('gives up watching a rebuild when no instance runs the projection', async () => {
    // Given a projection that ran and whose instance shut down
    const { readSide } = await run()
    await until(async () => (await stateOf()) === 'running')
    await readSide.stop()

    // When a rebuild is asked for and watched
    const build = await admin().rebuild('counter')
    const outcome = await admin().watchRebuild('counter', build, () => undefined, {
      pollMs: 10,
      offlineAfterMs: 50,
    })

    // Then the watch says nobody runs it
    expect(outcome).toMatchObject({ ok: false, reason: 'offline' })
  })

  it('refuses unknown projections with NOT_FOUND', async () => {
    await run()
    const unknown = admin()
    await expect(unknown.get('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(unknown.stop('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(unknown.reset('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(unknown.rebuild('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(unknown.parked('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect(await documents.collection(controlsCollection).get('nope')).toBeUndefined()
  })
})
