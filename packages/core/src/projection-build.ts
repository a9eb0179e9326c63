import type { DocumentStore, DocumentTransaction } from './document-store.js'
import { isActaError } from './errors.js'
import type { EventStore } from './event-store.js'
import type { StoredEvent } from './messages.js'
import type { ProjectionContext, ProjectionDefinition, ProjectionHandler } from './projection.js'
import { buildCollectionName, buildName, eventFilter } from './projection.js'
import { backoffMs } from './transport-helpers.js'

/** Registry collections the read side keeps beside the documents. */
export const buildsCollection = 'acta_builds'
export const parkedCollection = 'acta_parked'
export const controlsCollection = 'acta_controls'

/** The persisted controls of one projection, read by whichever instance holds its lease. */
export interface ControlRecord {
  [key: string]: unknown
  stopped: boolean
  /** Bumped by `startProjection`; a faulted runner resumes when it sees a new value. */
  resume: number
  /** Bumped to ask for a reset (default 0; records written before resets were remote lack it). */
  reset?: number
  /** The last `reset` value the lease holder carried out, written in the reset's transaction. */
  resetDone?: number
}

export interface BuildRecord {
  [key: string]: unknown
  projection: string
  build: number
  version: number
  state: 'building' | 'active' | 'retired'
  initialized: boolean
  createdAt: string
  switchedAt?: string
}

export interface ParkedEvent {
  [key: string]: unknown
  projection: string
  build: number
  globalPosition: number
  eventId: string
  type: string
  streamId: string
  error: string
  attempts: number
  parkedAt: string
}

export interface FailureReport {
  message: string
  at: Date
  attempts: number
  event?: { eventId: string; type: string; streamId: string; globalPosition: number }
}

export type BuildOutcome = 'stopped' | 'fenced' | 'faulted'

export interface BuildRunOptions {
  store: EventStore
  documents: DocumentStore
  definition: ProjectionDefinition
  build: number
  /** `'building'` switches the projection to this build once it has caught up. */
  mode: 'live' | 'building'
  batchSize: number
  /** Attempts per event before it faults or is parked. */
  attempts: number
  /** Base delay of the retry backoff. */
  retryDelayMs: number
  signal: AbortSignal
  /** Told about every committed batch, caught-up transitions, failures and the switch. */
  observer: BuildObserver
}

export interface BuildObserver {
  committed(position: number, events: number, last: StoredEvent | undefined): void
  caughtUp(position: number): void
  failed(report: FailureReport): void
  parked(event: StoredEvent): void
  switched(build: number): void
}

const caughtUpMark = Symbol('caught up')

/**
 * Runs one build of a projection until stopped, fenced by a newer owner, or faulted: claims the
 * build's checkpoint, reads the log after it in batches, and commits each batch's documents
 * together with the checkpoint, so a crash anywhere re-applies nothing that was committed.
 */
export async function runBuild(options: BuildRunOptions): Promise<BuildOutcome> {
  const { documents, definition, build, signal, observer } = options
  const checkpoint = buildName(definition.name, build)
  const claimed = await documents.claimCheckpoint(checkpoint)
  const epoch = claimed.epoch
  let position = claimed.position
  let building = options.mode === 'building'
  const accepts = eventFilter(definition)
  const handlers = definition.handlers as Record<string, ProjectionHandler | undefined>

  const isFenced = (error: unknown) =>
    isActaError(error) && error.code === 'CONFLICT' && error.details.checkpoint === checkpoint

  const contextFor = (target: Pick<DocumentTransaction, 'collection'>): ProjectionContext => ({
    collection: (name) => {
      const options = definition.collections[name]
      if (!options) throw new Error(`Projection "${definition.name}" declares no collection "${name}"`)
      return target.collection(buildCollectionName(name, build), options)
    },
  })

  let afterCommitRunning: Promise<void> | undefined
  let afterCommitAgain = false
  /** Runs the after-commit hook in the background, one run at a time, retrying failures. */
  function afterCommit() {
    if (!definition.afterCommit) return
    if (afterCommitRunning) {
      afterCommitAgain = true
      return
    }
    afterCommitRunning = (async () => {
      for (let attempt = 1; !signal.aborted;) {
        afterCommitAgain = false
        try {
          await definition.afterCommit?.(contextFor(documents))
          attempt = 1
          if (!afterCommitAgain) return
        } catch (error) {
          observer.failed({
            message: `afterCommit: ${error instanceof Error ? error.message : String(error)}`,
            at: new Date(),
            attempts: attempt,
          })
          await pause(backoffMs(options.retryDelayMs, attempt++))
        }
      }
    })().finally(() => (afterCommitRunning = undefined))
  }

  let initialized = false
  /** One transaction: the handlers of `events`, their effects, the checkpoint, maybe the switch. */
  async function commit(events: readonly StoredEvent[], to: number, switchNow: boolean, park?: ParkedEvent) {
    await documents.transaction(async (tx) => {
      const context = contextFor(tx)
      if (!initialized) {
        const builds = tx.collection<BuildRecord>(buildsCollection)
        const record = await builds.get(checkpoint)
        if (record && !record.initialized) {
          await definition.init?.(context)
          await builds.patch(checkpoint, { initialized: true })
        }
      }
      for (const event of events) {
        const handler = handlers[event.type] ?? handlers['*']
        if (handler) await handler(event, context)
      }
      if (park)
        await tx.collection<ParkedEvent>(parkedCollection).put(`${checkpoint}:${park.globalPosition}`, park)
      await tx.saveCheckpoint(checkpoint, to, epoch)
      if (switchNow) await switchTo(tx)
    })
    // a reset marks the build uninitialized again, but also fences this run, which then ends
    initialized = true
    afterCommit()
  }

  async function switchTo(tx: DocumentTransaction) {
    const builds = tx.collection<BuildRecord>(buildsCollection)
    const previous = await builds.find({ where: { projection: definition.name, state: 'active' } })
    for (const old of previous) await builds.patch(buildName(old.projection, old.build), { state: 'retired' })
    await builds.patch(checkpoint, { state: 'active', switchedAt: new Date().toISOString() })
    await tx.setActiveBuild(definition.name, build)
  }

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal.addEventListener('abort', done, { once: true })
    })

  /** Commits a batch; when it fails, goes event by event so only the failing event is retried. */
  async function flush(batch: StoredEvent[], switchNow: boolean): Promise<BuildOutcome | undefined> {
    const last = batch[batch.length - 1]
    if (!last) {
      if (!switchNow) return undefined
      try {
        await commit([], position, true)
        return undefined
      } catch (error) {
        return isFenced(error) ? 'fenced' : 'faulted'
      }
    }
    const events = batch.filter(accepts)
    try {
      await commit(events, last.globalPosition, switchNow)
      position = last.globalPosition
      observer.committed(position, batch.length, last)
      return undefined
    } catch (error) {
      if (isFenced(error)) return 'fenced'
      if (signal.aborted) return 'stopped'
    }
    for (const event of batch) {
      const take = accepts(event) ? [event] : []
      for (let attempt = 1; ; attempt++) {
        try {
          await commit(take, event.globalPosition, false)
          position = event.globalPosition
          observer.committed(position, 1, event)
          break
        } catch (error) {
          if (isFenced(error)) return 'fenced'
          const report: FailureReport = {
            message: error instanceof Error ? error.message : String(error),
            at: new Date(),
            attempts: attempt,
            event: {
              eventId: event.eventId,
              type: event.type,
              streamId: event.streamId,
              globalPosition: event.globalPosition,
            },
          }
          observer.failed(report)
          if (attempt >= options.attempts) {
            if (definition.onFailure !== 'park') return 'faulted'
            const parked: ParkedEvent = {
              projection: definition.name,
              build,
              globalPosition: event.globalPosition,
              eventId: event.eventId,
              type: event.type,
              streamId: event.streamId,
              error: report.message,
              attempts: attempt,
              parkedAt: report.at.toISOString(),
            }
            try {
              await commit([], event.globalPosition, false, parked)
            } catch (parkError) {
              if (isFenced(parkError)) return 'fenced'
              return 'faulted'
            }
            position = event.globalPosition
            observer.parked(event)
            break
          }
          await pause(backoffMs(options.retryDelayMs, attempt))
          if (signal.aborted) return 'stopped'
        }
      }
    }
    if (switchNow) {
      try {
        await commit([], position, true)
      } catch (error) {
        return isFenced(error) ? 'fenced' : 'faulted'
      }
    }
    return undefined
  }

  const record = await documents.collection<BuildRecord>(buildsCollection).get(checkpoint)
  if (record && !record.initialized) {
    try {
      await commit([], position, false)
    } catch (error) {
      if (isFenced(error)) return 'fenced'
      throw error
    }
  }

  afterCommit()
  const feed = readAhead(options, position)
  let batch: StoredEvent[] = []
  try {
    for (;;) {
      const next = await feed.next(batch.length > 0)
      if (next === 'end') return 'stopped'
      if (next === 'idle' || next === caughtUpMark || batch.length + 1 > options.batchSize) {
        const switching = next === caughtUpMark && building
        if (next !== 'idle' && next !== caughtUpMark) {
          // the batch is full: commit it, then start the next one with this event
          const outcome = await flush(batch, false)
          batch = [next]
          if (outcome) return outcome
          continue
        }
        const outcome = await flush(batch, switching)
        batch = []
        if (outcome) return outcome
        if (switching) {
          building = false
          observer.switched(build)
        }
        if (next === caughtUpMark) observer.caughtUp(position)
        continue
      }
      batch.push(next)
    }
  } finally {
    await feed.close()
    await afterCommitRunning
  }
}

/**
 * Reads the log ahead of the batches being committed (bounded to two batches), so the next
 * batch's read overlaps the current batch's transaction.
 */
function readAhead(options: BuildRunOptions, after: number) {
  const { signal, batchSize } = options
  const queue: (StoredEvent | typeof caughtUpMark)[] = []
  let head = 0
  let ended = false
  let failure: unknown
  let wakeReader: (() => void) | undefined
  let wakeMain: (() => void) | undefined
  const notify = () => {
    const wake = wakeMain
    wakeMain = undefined
    wake?.()
  }
  signal.addEventListener('abort', notify, { once: true })
  const subscription = options.store.subscribe({
    after,
    batchSize,
    signal,
    onCaughtUp: () => {
      queue.push(caughtUpMark)
      notify()
    },
  })
  const reading = (async () => {
    try {
      for await (const event of subscription) {
        queue.push(event)
        notify()
        if (queue.length - head >= 2 * batchSize) await new Promise<void>((resolve) => (wakeReader = resolve))
      }
    } catch (error) {
      failure = error
    } finally {
      ended = true
      notify()
    }
  })()
  const macrotask = () => new Promise((resolve) => setTimeout(resolve, 0))

  return {
    /**
     * The next event, the caught-up mark, `'idle'` when nothing more arrived within a macrotask
     * while a partial batch waits (commit it: the reader is waiting on the database), or `'end'`.
     */
    async next(holding: boolean): Promise<StoredEvent | typeof caughtUpMark | 'idle' | 'end'> {
      for (;;) {
        if (signal.aborted) return 'end'
        if (head < queue.length) {
          const item = queue[head++]!
          if (head > 4096 && head * 2 > queue.length) {
            queue.splice(0, head)
            head = 0
          }
          if (queue.length - head < batchSize && wakeReader) {
            const wake = wakeReader
            wakeReader = undefined
            wake()
          }
          return item
        }
        if (failure !== undefined)
          throw failure instanceof Error ? failure : new Error(JSON.stringify(failure))
        if (ended) return 'end'
        if (holding) {
          await macrotask()
          if (head >= queue.length) return 'idle'
          continue
        }
        await new Promise<void>((resolve) => (wakeMain = resolve))
      }
    },
    async close() {
      await subscription.close()
      wakeReader?.()
      await reading
    },
  }
}
