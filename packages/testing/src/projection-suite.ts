import type {
  DocumentStore,
  EventStore,
  LeaseStore,
  ProjectionDefinition,
  ReadSide,
  ReadSideOptions,
} from '@acta/core'
import { createReadSide, defineProjection, memoryDocumentStore } from '@acta/core'
import { afterEach, beforeEach, describe, expect } from 'vitest'
import { conformanceTests } from './conformance-tests.js'
import { eventually, sleep } from './event-store-assertions.js'

export interface ProjectionInfrastructure {
  store: EventStore
  documents: DocumentStore
  leases: LeaseStore
  dispose?: () => Promise<void>
}

export interface ProjectionSuiteOptions {
  /** Fresh, empty infrastructure; `reopen` gives a second handle on the same databases (another instance). */
  create(): Promise<ProjectionInfrastructure & { reopen(): Promise<ProjectionInfrastructure> }>
  exceptions?: Record<string, string>
}

type Tally = { count: number; sum: number; positions: number[]; version: number }

/** Counts and sums per stream, and remembers the order it saw positions in. */
export const tallyProjection = (version = 1, gate?: (n: number) => Promise<void>) =>
  defineProjection({
    name: 'tally',
    version,
    collections: { tallies: { indexes: ['count'] } },
    handlers: {
      Added: async (event, context) => {
        const n = (event.data as { n: number }).n
        await gate?.(n)
        const tallies = context.collection<Tally>('tallies')
        const current = (await tallies.get(event.streamId)) ?? { count: 0, sum: 0, positions: [], version }
        await tallies.put(event.streamId, {
          count: current.count + 1,
          sum: current.sum + n,
          positions: [...current.positions, event.globalPosition],
          version,
        })
      },
    },
  })

/**
 * The conformance suite of projections over one set of adapters (event store, document store,
 * leases): exactly-once effects across restarts and owner changes, blue/green builds, reset,
 * faults.
 *
 * @example
 * projectionSuite('sqlite', { create: async () => ({ ...open(file), reopen: async () => open(file) }) })
 */
export function projectionSuite(name: string, options: ProjectionSuiteOptions): void {
  const { test, checkExceptions } = conformanceTests(name, options.exceptions, 60_000)
  let infra: (ProjectionInfrastructure & { reopen(): Promise<ProjectionInfrastructure> }) | undefined
  const others: ProjectionInfrastructure[] = []
  const sides: ReadSide[] = []
  const u = () => infra!
  const side = (on: ProjectionInfrastructure, extra: Partial<ReadSideOptions> = {}) => {
    const readSide = createReadSide({
      store: on.store,
      documents: on.documents,
      leases: on.leases,
      leaseTtlMs: 1000,
      retryDelayMs: 5,
      attempts: 3,
      batchSize: 50,
      ...extra,
    })
    sides.push(readSide)
    return readSide
  }
  const run = async (
    on: ProjectionInfrastructure,
    definition: ProjectionDefinition,
    extra?: Partial<ReadSideOptions>,
  ) => {
    const readSide = side(on, extra)
    readSide.register(definition)
    await readSide.start()
    return readSide
  }
  const add = (stream: string, ...ns: number[]) =>
    u().store.append(
      stream,
      ns.map((n) => ({ type: 'Added', data: { n } })),
    )
  const tallies = async (documents: DocumentStore, build: number) => {
    const found = await documents.collection<Tally>(`tallies_b${build}`).find()
    return found
  }

  describe(`Projection conformance: ${name}`, () => {
    beforeEach(async () => {
      infra = await options.create()
    })
    afterEach(async () => {
      await Promise.all(sides.splice(0).map((s) => s.stop()))
      for (const other of others.splice(0)) {
        await other.documents.close()
        await other.store.close()
        await other.leases.close()
        await other.dispose?.()
      }
      await infra?.documents.close()
      await infra?.store.close()
      await infra?.leases.close()
      await infra?.dispose?.()
      infra = undefined
    })

    test('applies history, then live events, once each and in log order', async () => {
      for (let i = 0; i < 120; i++) await add(`s-${i % 7}`, i)
      const readSide = await run(u(), tallyProjection())
      const last = await add('s-0', 1000)
      expect(await readSide.waitFor('tally', last.position, 20_000)).toBe(true)
      const all = await readSide.collection<Tally>('tally', 'tallies').find()
      expect(all.reduce((total, t) => total + t.count, 0)).toBe(121)
      for (const tally of all) expect(tally.positions).toEqual([...tally.positions].sort((a, b) => a - b))
      const [status] = await readSide.status()
      expect(status).toMatchObject({ name: 'tally', position: last.position, activeBuild: 1 })
    })

    test('resumes from its checkpoint after a restart and applies nothing twice', async () => {
      await add('s-1', 1, 2, 3)
      const first = await run(u(), tallyProjection())
      expect(await first.waitFor('tally', 3)).toBe(true)
      await first.stop()
      const later = await add('s-1', 4, 5)
      const second = await run(u(), tallyProjection())
      expect(await second.waitFor('tally', later.position, 20_000)).toBe(true)
      expect(await second.collection<Tally>('tally', 'tallies').get('s-1')).toMatchObject({
        count: 5,
        sum: 15,
      })
    })

    test('a former owner paused mid-batch cannot commit after another instance took over', async () => {
      let release!: () => void
      const held = new Promise<void>((resolve) => (release = resolve))
      let paused = false
      await add('s-1', 1, 2)
      const slow = await run(
        u(),
        tallyProjection(1, async (n) => {
          if (n === 2) {
            paused = true
            await held
          }
        }),
        { leaseTtlMs: 300 },
      )
      await eventually(() => paused === true)
      // the stop waits for the paused batch, and stops lease renewals meanwhile, as a long pause would
      void slow.stopProjection('tally').catch(() => undefined)
      const other = await u().reopen()
      others.push(other)
      await sleep(400)
      // stopProjection persisted a stop: lift it from the second instance, which takes the lease over
      const fast = side(other, { leaseTtlMs: 300 })
      fast.register(tallyProjection())
      await fast.start()
      await fast.startProjection('tally')
      // SQLite: the paused batch holds the write lock, so the takeover waits for it to end
      setTimeout(release, 300)
      expect(await fast.waitFor('tally', 2, 20_000)).toBe(true)
      const third = await add('s-1', 3)
      expect(await fast.waitFor('tally', third.position, 20_000)).toBe(true)
      expect(await fast.collection<Tally>('tally', 'tallies').get('s-1')).toMatchObject({ count: 3, sum: 6 })
    })

    test('builds a new version beside the old one, which serves until the switch', async () => {
      for (let i = 0; i < 60; i++) await add(`s-${i % 3}`, 1)
      const old = await run(u(), tallyProjection(1))
      expect(await old.waitFor('tally', 60, 20_000)).toBe(true)
      const next = await run(u(), tallyProjection(2))
      await eventually(async () => (await u().documents.activeBuild('tally')) === 2, 20_000)
      // other instances see the switch within their one-second cache of the active build
      await eventually(async () => (await old.collection<Tally>('tally', 'tallies').find())[0]?.version === 2)
      const served = await old.collection<Tally>('tally', 'tallies').find()
      expect(served.map((t) => t.version)).toEqual([2, 2, 2])
      expect(served.map((t) => t.count)).toEqual([20, 20, 20])
      expect((await tallies(u().documents, 1)).map((t) => t.version)).toEqual([1, 1, 1])
      await eventually(async () => (await old.status())[0]?.state === 'superseded')
      const [status] = await next.status()
      expect(status?.builds.map((b) => [b.build, b.state])).toEqual([
        [1, 'retired'],
        [2, 'active'],
      ])
    })

    test('a rebuild during concurrent appends ends identical to a build from scratch', async () => {
      for (let i = 0; i < 200; i++) await add(`s-${i % 11}`, i)
      const readSide = await run(u(), tallyProjection())
      let appending = true
      const appender = (async () => {
        for (let i = 0; appending; i++) {
          await add(`s-${i % 13}`, i)
          if (i % 20 === 0) await sleep(1)
        }
      })()
      await sleep(30)
      const build = await readSide.rebuild('tally')
      await eventually(async () => (await u().documents.activeBuild('tally')) === build, 30_000)
      appending = false
      await appender
      const head = await u().store.headPosition()
      expect(await readSide.waitFor('tally', head, 20_000)).toBe(true)
      const scratch = createReadSide({
        store: u().store,
        documents: memoryDocumentStore(),
        leases: u().leases,
      })
      sides.push(scratch)
      scratch.register(
        defineProjection({
          ...tallyProjection(),
          name: 'scratch',
          collections: { scratch_t: {} },
          handlers: { Added: renamed },
        }),
      )
      await scratch.start()
      expect(await scratch.waitFor('scratch', head, 20_000)).toBe(true)
      const rebuilt = await readSide.collection<Tally>('tally', 'tallies').find()
      const fromScratch = await scratch.collection<Tally>('scratch', 'scratch_t').find()
      expect(rebuilt).toEqual(fromScratch)
      expect(rebuilt.length).toBe(13)
    })

    test('reset clears the documents and replays the log into them', async () => {
      await add('s-1', 1, 2)
      const readSide = await run(u(), tallyProjection())
      expect(await readSide.waitFor('tally', 2)).toBe(true)
      await readSide
        .collection<Tally>('tally', 'tallies')
        .put('stray', { count: 9, sum: 9, positions: [], version: 1 })
      await readSide.reset('tally')
      expect(await readSide.waitFor('tally', 2, 20_000)).toBe(true)
      expect(await readSide.collection<Tally>('tally', 'tallies').find()).toMatchObject([
        { count: 2, sum: 3 },
      ])
    })

    test('an event that keeps failing faults the projection, which keeps its place until started again', async () => {
      let broken = true
      const failing: ProjectionDefinition = defineProjection({
        ...tallyProjection(),
        handlers: {
          Added: async (event, context) => {
            if (broken && (event.data as { n: number }).n === 13) throw new Error('thirteen')
            await tallyProjection().handlers.Added!(event, context)
          },
        },
      })
      const readSide = await run(u(), failing)
      await add('s-1', 1)
      const bad = await add('s-1', 13, 2)
      await eventually(async () => (await readSide.status())[0]?.state === 'faulted', 20_000)
      const [status] = await readSide.status()
      expect(status?.lastError).toMatchObject({ message: 'thirteen', attempts: 3, event: { type: 'Added' } })
      expect(status?.position).toBe(bad.position - 2)
      broken = false
      await readSide.startProjection('tally')
      expect(await readSide.waitFor('tally', bad.position, 20_000)).toBe(true)
      expect(await readSide.collection<Tally>('tally', 'tallies').get('s-1')).toMatchObject({
        count: 3,
        sum: 16,
      })
    })

    checkExceptions()
  })
}

const renamed: ProjectionDefinition['handlers']['*'] = async (event, context) => {
  const n = (event.data as { n: number }).n
  const tallies = context.collection<Tally>('scratch_t')
  const current = (await tallies.get(event.streamId)) ?? { count: 0, sum: 0, positions: [], version: 1 }
  await tallies.put(event.streamId, {
    count: current.count + 1,
    sum: current.sum + n,
    positions: [...current.positions, event.globalPosition],
    version: 1,
  })
}
