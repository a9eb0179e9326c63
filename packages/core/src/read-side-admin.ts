import type { LeaseStore } from './coordination.js'
import type { DocumentStore } from './document-store.js'
import { ActaError, NotFoundError } from './errors.js'
import type { EventStore } from './event-store.js'
import type { BuildRecord, ControlRecord, ParkedEvent } from './projection-build.js'
import { buildsCollection, controlsCollection, parkedCollection } from './projection-build.js'
import { buildName } from './projection.js'
import { projectionLeaseName } from './projection-runner.js'
import type { BuildStatus, ProjectionStatus, RebuildProgress } from './read-side-types.js'
import { runnersCollection, stale, type RunnerRecord } from './runner-heartbeat.js'

export interface ReadSideAdminOptions {
  store: EventStore
  /** The document store the projections run on (builds, checkpoints, controls, heartbeats). */
  documents: DocumentStore
  leases: LeaseStore
  /**
   * A heartbeat older than this comes from an instance that is gone. Default three of the writing
   * instance's lease TTLs.
   */
  staleAfterMs?: number
}

export interface WatchRebuildOptions {
  signal?: AbortSignal
  /** Default 500 ms. */
  pollMs?: number
  /** How long no instance may run the projection before the watch gives up. Default 10 s. */
  offlineAfterMs?: number
}

/** How a watched rebuild ended: switched to, or why it will not (without help). */
export type RebuildOutcome =
  | { readonly ok: true; readonly build: number }
  | {
      readonly ok: false
      readonly reason: 'faulted' | 'offline' | 'stopped' | 'retired' | 'missing' | 'aborted'
      readonly message: string
    }

/**
 * Administers projections from a process that does not run them (the CLI, a dashboard): every
 * answer comes from what the running instances persist (builds, checkpoints, heartbeats, leases),
 * and every command is a persisted request the lease holder carries out on its next tick.
 *
 * @example
 * const admin = readSideAdmin({ store, documents, leases })
 * for (const p of await admin.status()) console.log(p.name, p.state, p.lagEvents)
 * const build = await admin.rebuild('todos')
 * const outcome = await admin.watchRebuild('todos', build, (p) => console.log(p.fraction))
 */
export interface ReadSideAdmin {
  /** Every projection that ever ran on this document store, by name. */
  status(): Promise<ProjectionStatus[]>
  /** One projection's status; NotFoundError when it never ran here. */
  get(name: string): Promise<ProjectionStatus>
  /** Asks the instances to stop it until `start`. */
  stop(name: string): Promise<void>
  /** Starts a stopped projection, or resumes a faulted one from its checkpoint. */
  start(name: string): Promise<void>
  /** Asks the lease holder to clear the active build and replay the log into it. */
  reset(name: string): Promise<void>
  /** Asks for a blue/green rebuild of the active version; returns the new (or pending) build. */
  rebuild(name: string): Promise<number>
  parked(name: string): Promise<ParkedEvent[]>
  /** Polls a build until it is active or cannot get there, telling `onProgress` each round. */
  watchRebuild(
    name: string,
    build: number,
    onProgress: (progress: RebuildProgress) => void,
    options?: WatchRebuildOptions,
  ): Promise<RebuildOutcome>
}

/** Remote administration of a read side; see `ReadSideAdmin`. */
export function readSideAdmin(options: ReadSideAdminOptions): ReadSideAdmin {
  const { store, documents, leases } = options
  const builds = () => documents.collection<BuildRecord>(buildsCollection)
  const runners = () => documents.collection<RunnerRecord>(runnersCollection)

  async function known(name: string): Promise<{ builds: BuildRecord[]; runner: RunnerRecord | undefined }> {
    const [records, runner] = await Promise.all([
      builds().find({ where: { projection: name }, orderBy: [{ field: 'build' }] }),
      runners().get(name),
    ])
    if (records.length === 0 && !runner) {
      throw new NotFoundError(`No projection "${name}" has run on this database`, { projection: name })
    }
    return { builds: records, runner }
  }

  async function statusOf(
    name: string,
    records: readonly BuildRecord[],
    runner: RunnerRecord | undefined,
    head: number,
  ): Promise<ProjectionStatus> {
    const now = Date.now()
    const active = records.find((record) => record.state === 'active')
    const version =
      runner?.version ?? active?.version ?? records.reduce((max, r) => Math.max(max, r.version), 1)
    const [control, lease, parked] = await Promise.all([
      documents.collection<ControlRecord>(controlsCollection).get(name),
      leases.holder(projectionLeaseName(name, version)),
      documents.collection<ParkedEvent>(parkedCollection).count({ projection: name }),
    ])
    const live = runner && lease && !stale(runner, now, options.staleAfterMs) ? runner : undefined
    const buildStatuses: BuildStatus[] = []
    for (const record of records) {
      const position = (await documents.loadCheckpoint(buildName(name, record.build)))?.position ?? 0
      const rate =
        record.state === 'active'
          ? live?.eventsPerSecond
          : live?.rebuild?.build === record.build
            ? live.rebuild.eventsPerSecond
            : undefined
      buildStatuses.push({
        build: record.build,
        version: record.version,
        state: record.state,
        position,
        local: false,
        caughtUp: position >= head,
        eventsPerSecond: rate ?? 0,
      })
    }
    const position = buildStatuses.find((build) => build.build === active?.build)?.position ?? 0
    const lagEvents = Math.max(0, head - position)
    const building = buildStatuses.filter((build) => build.state === 'building').pop()
    const error = runner?.lastError
    return {
      name,
      kind: runner?.kind ?? 'projection',
      version,
      state: live ? live.state : control?.stopped ? 'stopped' : 'offline',
      owner: lease?.owner,
      activeBuild: active?.build,
      position,
      headPosition: head,
      lagEvents,
      lagMs: lagEvents === 0 ? 0 : await ageAfter(position, now),
      eventsPerSecond: live?.eventsPerSecond ?? 0,
      lastError: error && { ...error, at: new Date(error.at) },
      parked,
      builds: buildStatuses,
      rebuild: building && progress(name, building.build, building.position, head, building.eventsPerSecond),
    }
  }

  /** Age of the oldest event the projection has not applied yet. */
  async function ageAfter(position: number, now: number): Promise<number> {
    for await (const event of store.readAll({ after: position, limit: 1 })) {
      return Math.max(0, now - event.recordedAt.getTime())
    }
    return 0
  }

  async function control(name: string, change: (current: ControlRecord) => Partial<ControlRecord>) {
    await known(name)
    await updateControl(documents, name, change)
  }

  const admin: ReadSideAdmin = {
    async status() {
      const [head, all, heartbeats] = await Promise.all([
        store.headPosition(),
        builds().find({ orderBy: [{ field: 'build' }] }),
        runners().find(),
      ])
      const names = new Set([...all.map((r) => r.projection), ...heartbeats.map((r) => r.name)])
      return Promise.all(
        [...names].sort().map((name) =>
          statusOf(
            name,
            all.filter((record) => record.projection === name),
            heartbeats.find((record) => record.name === name),
            head,
          ),
        ),
      )
    },
    async get(name) {
      const { builds: records, runner } = await known(name)
      return statusOf(name, records, runner, await store.headPosition())
    },
    stop: (name) => control(name, () => ({ stopped: true })),
    start: (name) => control(name, (current) => ({ stopped: false, resume: current.resume + 1 })),
    reset: (name) => control(name, (current) => ({ reset: (current.reset ?? 0) + 1 })),
    async rebuild(name) {
      const { builds: records } = await known(name)
      const pending = records.filter((record) => record.state === 'building').pop()
      if (pending) return pending.build
      const active = records.find((record) => record.state === 'active')
      if (!active) {
        throw new ActaError('CONFLICT', `Projection "${name}" has no active build to rebuild yet`, {
          details: { projection: name },
        })
      }
      const build = records.reduce((max, record) => Math.max(max, record.build), 0) + 1
      const record: BuildRecord = {
        projection: name,
        build,
        version: active.version,
        state: 'building',
        initialized: false,
        createdAt: new Date().toISOString(),
      }
      await builds().put(buildName(name, build), record)
      return build
    },
    async parked(name) {
      await known(name)
      return documents.collection<ParkedEvent>(parkedCollection).find({
        where: { projection: name },
        orderBy: [{ field: 'globalPosition' }],
      })
    },
    async watchRebuild(name, build, onProgress, watch = {}) {
      const pollMs = watch.pollMs ?? 500
      const offlineAfterMs = watch.offlineAfterMs ?? 10_000
      const samples: { at: number; position: number }[] = []
      let idleSince: number | undefined
      for (;;) {
        if (watch.signal?.aborted) return { ok: false, reason: 'aborted', message: 'The watch was aborted' }
        const [record, checkpoint, head] = await Promise.all([
          builds().get(buildName(name, build)),
          documents.loadCheckpoint(buildName(name, build)),
          store.headPosition(),
        ])
        if (!record) {
          return { ok: false, reason: 'missing', message: `Projection "${name}" has no build ${build}` }
        }
        const position = checkpoint?.position ?? 0
        const now = Date.now()
        samples.push({ at: now, position })
        while (samples.length > 2 && now - samples[0]!.at > 5000) samples.shift()
        const first = samples[0]!
        const rate = now > first.at ? ((position - first.position) * 1000) / (now - first.at) : 0
        if (record.state === 'active') {
          onProgress(progress(name, build, Math.max(position, head), Math.max(position, head), rate))
          return { ok: true, build }
        }
        if (record.state === 'retired') {
          return {
            ok: false,
            reason: 'retired',
            message: `Build ${build} of "${name}" was retired before it became active`,
          }
        }
        onProgress(progress(name, build, position, head, rate))
        const status = await admin.get(name)
        if (status.state === 'faulted') {
          return { ok: false, reason: 'faulted', message: status.lastError?.message ?? 'faulted' }
        }
        if (status.state === 'offline' || status.state === 'stopped') {
          idleSince ??= now
          if (now - idleSince >= offlineAfterMs) {
            return {
              ok: false,
              reason: status.state,
              message:
                status.state === 'stopped'
                  ? `Projection "${name}" is stopped; start it to let the rebuild go on`
                  : `No running instance holds projection "${name}"`,
            }
          }
        } else idleSince = undefined
        await sleep(pollMs, watch.signal)
      }
    },
  }
  return admin
}

function progress(
  projection: string,
  build: number,
  position: number,
  headPosition: number,
  eventsPerSecond: number,
): RebuildProgress {
  const left = Math.max(0, headPosition - position)
  return {
    projection,
    build,
    position,
    headPosition,
    fraction: headPosition <= 0 ? 1 : Math.min(1, position / headPosition),
    eventsPerSecond,
    etaMs: left === 0 ? 0 : eventsPerSecond > 0 ? (left / eventsPerSecond) * 1000 : undefined,
  }
}

/**
 * Changes a projection's persisted controls by patching only the changed fields, so a concurrent
 * write of the lease holder (`resetDone`) is not overwritten.
 */
export async function updateControl(
  documents: DocumentStore,
  name: string,
  change: (current: ControlRecord) => Partial<ControlRecord>,
): Promise<void> {
  const controls = documents.collection<ControlRecord>(controlsCollection)
  const current = await controls.get(name)
  const changes = change(current ?? { stopped: false, resume: 0 })
  if (current && (await controls.patch(name, changes))) return
  await controls.put(name, { stopped: false, resume: 0, ...changes })
}

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
