import type { StoredEvent } from './messages.js'
import type {
  BuildOutcome,
  BuildRecord,
  ControlRecord,
  FailureReport,
  ParkedEvent,
} from './projection-build.js'
import { buildsCollection, controlsCollection, parkedCollection, runBuild } from './projection-build.js'
import type { ProjectionDefinition } from './projection.js'
import { buildName } from './projection.js'
import type {
  BuildStatus,
  ProjectionStatus,
  ReadSideOptions,
  RebuildProgress,
  RunnerKind,
  RunnerState,
} from './read-side-types.js'
import { rateMeter, type RateMeter } from './rate-meter.js'
import { resetBuild } from './projection-reset.js'
import { runnerHeartbeat, type RunnerSnapshot } from './runner-heartbeat.js'
import { backoffMs } from './transport-helpers.js'

export interface ProjectionRunner {
  readonly definition: ProjectionDefinition
  start(): void
  /** Resolves after the first round of lease, builds and loops. */
  ready(): Promise<void>
  stop(): Promise<void>
  /** Re-reads controls and builds now. */
  refresh(): Promise<void>
  status(headPosition: number): Promise<ProjectionStatus>
  activeBuild(): number | undefined
  localPosition(build: number): number | undefined
  waitForCommit(ms: number): Promise<void>
  reset(): Promise<void>
  rebuild(): Promise<number>
}

interface Loop {
  build: number
  mode: 'live' | 'building'
  abort: AbortController
  done: Promise<void>
  position: number
  startPosition: number
  caughtUp: boolean
  last: StoredEvent | undefined
  rate: RateMeter
  reportedAt: number
}

/** The lease of one version of a projection: one instance runs it at a time. */
export function projectionLeaseName(projection: string, version: number): string {
  return `projection:${projection}@v${version}`
}

/** Supervises one projection in one instance: lease, builds, loops, status and controls. */
export function projectionRunner(
  options: ReadSideOptions & {
    owner: string
    definition: ProjectionDefinition
    kind: RunnerKind
    onSwitch: (build: number) => void
  },
): ProjectionRunner {
  const { documents, leases, definition, owner } = options
  const name = definition.name
  const version = definition.version
  const leaseName = projectionLeaseName(name, version)
  const ttl = options.leaseTtlMs ?? 10_000
  const heartbeat = runnerHeartbeat({
    documents,
    name,
    kind: options.kind,
    version,
    owner,
    leaseTtlMs: ttl,
    onError: (failure) => options.onError?.(failure, name),
  })
  const loops = new Map<number, Loop>()
  let running = false
  let state: RunnerState = 'starting'
  let faulted = false
  let seenResume: number | undefined
  let lastError: FailureReport | undefined
  let active: number | undefined
  let holder: string | undefined
  let failures = 0
  let restartAfter = 0
  let head = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let tickChain: Promise<void> = Promise.resolve()
  let firstTick: Promise<void> | undefined
  const commitWaiters = new Set<() => void>()

  const builds = () => documents.collection<BuildRecord>(buildsCollection)
  const listBuilds = () => builds().find({ where: { projection: name }, orderBy: [{ field: 'build' }] })
  const report = (failure: FailureReport) => {
    lastError = failure
    options.onError?.(failure, name)
    beat()
  }

  /** The state as shown: `running` splits into catching up, running and rebuilding. */
  function shownState(behind: number): RunnerState {
    if (state !== 'running' && state !== 'rebuilding') return state
    if ([...loops.values()].some((loop) => loop.mode === 'building')) return 'rebuilding'
    const activeLoop = active === undefined ? undefined : loops.get(active)
    return activeLoop?.caughtUp && behind === 0 ? 'running' : 'catching-up'
  }

  function snapshot(): RunnerSnapshot {
    const activeLoop = active === undefined ? undefined : loops.get(active)
    const rebuilding = [...loops.values()].find((loop) => loop.mode === 'building')
    return {
      state: shownState(activeLoop ? Math.max(0, head - activeLoop.position) : 0),
      lastError,
      eventsPerSecond: activeLoop?.rate.perSecond() ?? 0,
      rebuild: rebuilding && progressOf(rebuilding),
    }
  }

  /** Only the lease holder speaks for the projection. */
  function beat() {
    if (running && holder === owner) heartbeat.beat(snapshot())
  }

  function observe(loop: Loop) {
    return {
      committed(position: number, read: number, last: StoredEvent | undefined) {
        loop.position = position
        loop.last = last ?? loop.last
        loop.rate.add(read)
        failures = 0
        for (const wake of commitWaiters) wake()
        if (
          (loop.mode === 'building' || !loop.caughtUp) &&
          options.onProgress &&
          Date.now() - loop.reportedAt >= 1000
        ) {
          loop.reportedAt = Date.now()
          options.onProgress(progressOf(loop))
        }
      },
      caughtUp(position: number) {
        loop.position = position
        loop.caughtUp = true
        if (position > head) head = position
        for (const wake of commitWaiters) wake()
        beat()
      },
      failed: report,
      parked() {},
      switched(build: number) {
        loop.mode = 'live'
        active = build
        options.onSwitch(build)
        if (options.onProgress) options.onProgress(progressOf(loop))
        void wake()
      },
    }
  }

  function progressOf(loop: Loop): RebuildProgress {
    const target = Math.max(head, loop.position)
    const span = target - loop.startPosition
    const rate = loop.rate.perSecond()
    return {
      projection: name,
      build: loop.build,
      position: loop.position,
      headPosition: target,
      fraction: span <= 0 ? 1 : (loop.position - loop.startPosition) / span,
      eventsPerSecond: rate,
      etaMs: rate > 0 ? ((target - loop.position) / rate) * 1000 : undefined,
    }
  }

  function startLoop(record: BuildRecord, mode: 'live' | 'building') {
    const abort = new AbortController()
    const loop: Loop = {
      build: record.build,
      mode,
      abort,
      done: Promise.resolve(),
      position: 0,
      startPosition: 0,
      caughtUp: false,
      last: undefined,
      rate: rateMeter(),
      reportedAt: 0,
    }
    void documents.loadCheckpoint(buildName(name, record.build)).then((checkpoint) => {
      loop.position = Math.max(loop.position, checkpoint?.position ?? 0)
      loop.startPosition = checkpoint?.position ?? 0
    })
    loops.set(record.build, loop)
    loop.done = runBuild({
      store: options.store,
      documents,
      definition,
      build: record.build,
      mode,
      batchSize: options.batchSize ?? 500,
      attempts: options.attempts ?? 5,
      retryDelayMs: options.retryDelayMs ?? 100,
      signal: abort.signal,
      observer: observe(loop),
    }).then(
      (outcome) => ended(loop, outcome),
      (error: unknown) => {
        report({
          message: error instanceof Error ? error.message : String(error),
          at: new Date(),
          attempts: 1,
        })
        ended(loop, 'fenced')
      },
    )
  }

  function ended(loop: Loop, outcome: BuildOutcome) {
    if (loops.get(loop.build) === loop) loops.delete(loop.build)
    if (loop.abort.signal.aborted) return
    if (outcome === 'faulted') {
      faulted = true
      for (const other of loops.values()) other.abort.abort()
    } else {
      failures++
      restartAfter = Date.now() + backoffMs(options.retryDelayMs ?? 100, failures)
    }
    void wake()
  }

  async function stopLoops() {
    const stopping = [...loops.values()]
    for (const loop of stopping) loop.abort.abort()
    await Promise.all(stopping.map((loop) => loop.done))
  }

  async function tick() {
    await step()
    beat()
  }

  async function step() {
    if (!running) return
    const control = (await documents.collection<ControlRecord>(controlsCollection).get(name)) ?? {
      stopped: false,
      resume: 0,
    }
    seenResume ??= control.resume
    if (control.resume !== seenResume) {
      seenResume = control.resume
      faulted = false
      lastError = undefined
      failures = 0
      restartAfter = 0
    }
    if (control.stopped) {
      await stopLoops()
      state = 'stopped'
      if (holder === owner) await heartbeat.write(snapshot())
      await leases.release(leaseName, owner)
      holder = undefined
      return
    }
    const held = await leases.acquire(leaseName, owner, ttl)
    holder = held ? owner : (await leases.holder(leaseName))?.owner
    if (!held) {
      await stopLoops()
      state = 'standby'
      return
    }
    const resetRequest = control.reset ?? 0
    if (resetRequest > (control.resetDone ?? 0)) {
      await stopLoops()
      await resetActive(resetRequest)
      faulted = false
      lastError = undefined
      failures = 0
      restartAfter = 0
    }
    if (faulted) {
      state = 'faulted'
      return
    }
    const records = await listBuilds()
    const current = records.find((record) => record.state === 'active')
    active = current?.build
    if (current && current.version > version) {
      await stopLoops()
      await leases.release(leaseName, owner)
      holder = undefined
      state = 'superseded'
      return
    }
    let live = current?.version === version ? current : undefined
    let building = records.filter((r) => r.state === 'building' && r.version === version).pop()
    if (!live && !building) {
      const created = await createBuild(records, current === undefined)
      if (created.state === 'active') live = created
      else building = created
    }
    const wanted = new Set([live?.build, building?.build])
    for (const loop of [...loops.values()]) {
      if (!wanted.has(loop.build)) {
        loop.abort.abort()
        await loop.done
      }
    }
    state = building ? 'rebuilding' : 'running'
    if (Date.now() < restartAfter) {
      schedule(restartAfter - Date.now())
      return
    }
    if (live && !loops.has(live.build)) startLoop(live, 'live')
    if (building && !loops.has(building.build)) startLoop(building, 'building')
  }

  async function createBuild(records: BuildRecord[], activate: boolean): Promise<BuildRecord> {
    const build = records.reduce((max, record) => Math.max(max, record.build), 0) + 1
    const record: BuildRecord = {
      projection: name,
      build,
      version,
      state: activate ? 'active' : 'building',
      initialized: false,
      createdAt: new Date().toISOString(),
    }
    await documents.transaction(async (tx) => {
      await tx.collection<BuildRecord>(buildsCollection).put(buildName(name, build), record)
      if (activate) await tx.setActiveBuild(name, build)
    })
    if (activate) {
      active = build
      options.onSwitch(build)
    }
    return record
  }

  function schedule(ms: number) {
    if (!running) return
    clearTimeout(timer)
    timer = setTimeout(() => void wake(), ms)
  }

  function wake(): Promise<void> {
    tickChain = tickChain
      .then(tick)
      .catch((error: unknown) => {
        report({
          message: error instanceof Error ? error.message : String(error),
          at: new Date(),
          attempts: 1,
        })
      })
      .finally(() => schedule(Math.max(50, Math.floor(ttl / 3))))
    return tickChain
  }

  /** Resets the active build with this instance's loops stopped; `request`: see `resetBuild`. */
  async function resetActive(request?: number): Promise<void> {
    const build = (await documents.activeBuild(name)) ?? active
    await resetBuild({ documents, definition, build, request })
  }

  /** Runs `work` with this instance's loops stopped, then resumes them. */
  async function paused<R>(work: () => Promise<R>): Promise<R> {
    await (tickChain = tickChain.then(stopLoops))
    try {
      return await work()
    } finally {
      await wake()
    }
  }

  return {
    definition,
    start() {
      if (running) return
      running = true
      firstTick = wake()
    },
    ready: () => firstTick ?? Promise.resolve(),
    async stop() {
      running = false
      clearTimeout(timer)
      await tickChain
      await stopLoops()
      await heartbeat.settled()
      await leases.release(leaseName, owner).catch(() => undefined)
      holder = undefined
      state = 'stopped'
    },
    refresh: wake,
    async status(headPosition) {
      if (headPosition > head) head = headPosition
      const records = await listBuilds()
      const current = records.find((record) => record.state === 'active')
      const buildStatuses: BuildStatus[] = []
      for (const record of records) {
        const loop = loops.get(record.build)
        const position =
          loop?.position ?? (await documents.loadCheckpoint(buildName(name, record.build)))?.position ?? 0
        buildStatuses.push({
          build: record.build,
          version: record.version,
          state: record.state,
          position,
          local: loop !== undefined,
          caughtUp: loop?.caughtUp === true && position >= head,
          eventsPerSecond: loop?.rate.perSecond() ?? 0,
        })
      }
      const activeStatus = buildStatuses.find((build) => build.build === current?.build)
      const activeLoop = current ? loops.get(current.build) : undefined
      const rebuilding = [...loops.values()].find((loop) => loop.mode === 'building')
      const position = activeStatus?.position ?? 0
      const behind = Math.max(0, head - position)
      const parked = await documents.collection<ParkedEvent>(parkedCollection).count({ projection: name })
      return {
        name,
        kind: options.kind,
        version,
        state: shownState(behind),
        owner: holder,
        activeBuild: current?.build,
        position,
        headPosition: head,
        lagEvents: behind,
        lagMs:
          behind === 0 || !activeLoop?.last
            ? 0
            : Math.max(0, Date.now() - activeLoop.last.recordedAt.getTime()),
        eventsPerSecond: activeLoop?.rate.perSecond() ?? 0,
        lastError,
        parked,
        builds: buildStatuses,
        rebuild: rebuilding && progressOf(rebuilding),
      }
    },
    activeBuild: () => active,
    localPosition: (build) => loops.get(build)?.position,
    waitForCommit: (ms) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timeout)
          commitWaiters.delete(done)
          resolve()
        }
        const timeout = setTimeout(done, ms)
        commitWaiters.add(done)
      }),
    async reset() {
      await paused(() => resetActive())
      faulted = false
      lastError = undefined
    },
    async rebuild() {
      const records = await listBuilds()
      const existing = records.filter((r) => r.state === 'building' && r.version === version).pop()
      if (existing) return existing.build
      const created = await createBuild(records, !records.some((record) => record.state === 'active'))
      await wake()
      return created.build
    },
  }
}
