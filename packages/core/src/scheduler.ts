import { ValidationError } from './errors.js'
import { uuidv7 } from './ids.js'
import type { Command } from './messages.js'
import type { ScheduleStore, ScheduledEntry } from './schedule-store.js'
import { backoffMs } from './transport-helpers.js'

export interface SchedulerOptions {
  schedules: ScheduleStore
  /**
   * Sends a due entry, typically `bus.send(scheduledCommand(entry))`: a timer can
   * fire more than once (a crash between send and complete), and the id lets the receiver drop
   * the repeat. Resolving marks the entry done; throwing schedules a retry.
   */
  dispatch: (entry: ScheduledEntry) => Promise<void> | void
  /** This runner's claim owner. Default a UUIDv7. */
  owner?: string
  /** Longest sleep, so timers scheduled by other processes are found. Default 1000 ms. */
  pollIntervalMs?: number
  /** Entries claimed (and dispatched concurrently) at once. Default 32. */
  batchSize?: number
  /** How long a claim lasts; longer than the slowest dispatch, or another runner fires it again. Default 30 s. */
  claimTtlMs?: number
  /** Failed dispatches after which an entry is parked as `failed`. Default 10. */
  maxAttempts?: number
  /** Delay before retry `failures` (1-based). Default exponential from 1 s, capped at 30 s. */
  backoff?: (failures: number) => number
  /** Told about every failed dispatch and store error. Default `console.error`. */
  onError?: (error: unknown, context: SchedulerErrorContext) => void
  /** The clock due times are compared with. Default `() => new Date()`. */
  now?: () => Date
}

export interface SchedulerErrorContext {
  /** The entry whose dispatch (or bookkeeping) failed; absent for a store error while claiming. */
  readonly entry?: ScheduledEntry
  /** Failed attempts of `entry` including this one. */
  readonly attempt?: number
  /** True when this failure parked `entry` as `failed`. */
  readonly parked?: boolean
}

export type SchedulerState = 'starting' | 'waiting' | 'firing' | 'retrying' | 'stopped'

export interface SchedulerStatus {
  readonly state: SchedulerState
  readonly owner: string
  /** Entries this runner dispatched successfully since it started. */
  readonly fired: number
  /** Failed dispatches since it started (each attempt counts). */
  readonly failed: number
  /** Entries this runner parked as `failed`. */
  readonly parked: number
  /** The earliest pending due time, as last seen. */
  readonly nextDueAt: Date | undefined
  readonly lastError: string | undefined
}

export interface Scheduler {
  status(): SchedulerStatus
  /** Looks for due entries now instead of at the next planned wake-up (e.g. after scheduling a near timer). */
  wake(): void
  /** Stops claiming, waits for dispatches in flight and their bookkeeping. */
  stop(): Promise<void>
}

const maxErrorLength = 2000

/**
 * Runs the durable scheduler: sleeps until the earliest due time (at most `pollIntervalMs`),
 * claims due entries, dispatches them and marks them done. A failed dispatch is retried after
 * `backoff`; after `maxAttempts` the entry is parked as `failed` (listed by `schedules.failed()`,
 * brought back by `schedules.retry(id)`), never dropped. Any number of runners may share a store:
 * each entry is claimed by one of them at a time.
 *
 * @example
 * const scheduler = startScheduler({
 *   schedules,
 *   dispatch: (entry) => bus.send(scheduledCommand(entry)),
 * })
 * await schedules.schedule({ id: `expire-${todoId}`, dueAt, payload })
 * scheduler.wake()
 * // … on shutdown
 * await scheduler.stop()
 */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const { schedules, dispatch } = options
  const owner = options.owner ?? uuidv7()
  const pollIntervalMs = positive(options.pollIntervalMs ?? 1000, 'pollIntervalMs')
  const batchSize = positiveInteger(options.batchSize ?? 32, 'batchSize')
  const ttlMs = positive(options.claimTtlMs ?? 30_000, 'claimTtlMs')
  const maxAttempts = positiveInteger(options.maxAttempts ?? 10, 'maxAttempts')
  const backoff = options.backoff ?? ((failures: number) => backoffMs(1000, failures))
  const clock = options.now ?? (() => new Date())
  const onError =
    options.onError ??
    ((error: unknown, context: SchedulerErrorContext) =>
      console.error(`[acta scheduler ${owner}]`, context.entry ? `entry ${context.entry.id}:` : '', error))
  let state: SchedulerState = 'starting'
  let fired = 0
  let failed = 0
  let parked = 0
  let nextDueAt: Date | undefined
  let lastError: string | undefined
  let stopped = false
  let woken = false
  let wakeUp: (() => void) | undefined

  const report = (error: unknown, context: SchedulerErrorContext) => {
    lastError = describe(error)
    try {
      onError(error, context)
    } catch {
      // a throwing reporter must not stop the runner
    }
  }

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || stopped) {
        woken = false
        resolve()
        return
      }
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        wakeUp = undefined
        woken = false
        resolve()
      }
      wakeUp = done
    })

  const fire = async (entry: ScheduledEntry): Promise<void> => {
    try {
      await dispatch(entry)
    } catch (error) {
      failed++
      const attempt = entry.attempts + 1
      const park = attempt >= maxAttempts
      const message = describe(error)
      try {
        if (park) {
          if (await schedules.park(entry.id, owner, message)) parked++
        } else {
          await schedules.fail(entry.id, owner, message, new Date(clock().getTime() + backoff(attempt)))
        }
      } catch (storeError) {
        // the claim expires and the entry comes back, to this runner or another
        report(storeError, { entry })
      }
      report(error, { entry, attempt, parked: park })
      return
    }
    fired++
    try {
      await schedules.complete(entry.id, owner)
    } catch (error) {
      report(error, { entry })
    }
  }

  const running = (async () => {
    let storeFailures = 0
    while (!stopped) {
      try {
        const claimedAt = clock()
        const batch = await schedules.claimDue({ now: claimedAt, limit: batchSize, owner, ttlMs })
        if (batch.length > 0) {
          state = 'firing'
          await Promise.all(batch.map(fire))
        }
        storeFailures = 0
        if (batch.length === batchSize) continue
        nextDueAt = await schedules.nextDueAt()
        state = 'waiting'
        // an entry that was due at claim time yet not claimed is held by another runner: its
        // claim ends at a time we cannot see, so poll rather than spin
        const wait =
          nextDueAt === undefined || nextDueAt.getTime() <= claimedAt.getTime()
            ? pollIntervalMs
            : Math.min(pollIntervalMs, Math.max(0, nextDueAt.getTime() - clock().getTime()))
        await pause(wait)
      } catch (error) {
        storeFailures++
        state = 'retrying'
        report(error, {})
        await pause(backoff(storeFailures))
      }
    }
  })()

  return {
    status: () => ({ state, owner, fired, failed, parked, nextDueAt, lastError }),
    wake() {
      if (wakeUp) wakeUp()
      else woken = true
    },
    async stop() {
      stopped = true
      wakeUp?.()
      await running
      state = 'stopped'
    },
  }
}

/**
 * The command a due entry sends: its payload with `metadata.messageId` set to the entry's id (unless
 * the payload carries its own, as process managers' timers do, derived from id and due time), so
 * the command pipeline and inboxes recognise a timer that fired twice.
 *
 * @example
 * startScheduler({ schedules, dispatch: (entry) => bus.send(scheduledCommand(entry)) })
 */
export function scheduledCommand(entry: ScheduledEntry): Command {
  const { type, data, metadata } = entry.payload
  const own = metadata?.messageId
  return { type, data, metadata: { ...metadata, messageId: typeof own === 'string' && own ? own : entry.id } }
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error)
  return text.length > maxErrorLength ? `${text.slice(0, maxErrorLength)}…` : text
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new ValidationError(`${name} must be a positive number`)
  return value
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new ValidationError(`${name} must be a positive integer`)
  return value
}
