import { toJson } from './append-validation.js'
import { ValidationError } from './errors.js'

/** What a timer sends when it is due: a command (or any message) for the command bus. */
export interface ScheduledPayload {
  readonly type: string
  readonly data: unknown
  readonly metadata?: Readonly<Record<string, unknown>>
}

/**
 * `pending` waits for its time (or is being fired); `done` fired; `cancelled` was called off;
 * `failed` was parked after too many failed dispatches and waits for an operator's `retry(id)`.
 */
export type ScheduleStatus = 'pending' | 'done' | 'cancelled' | 'failed'

export interface ScheduledEntry {
  /** The caller's id; also the message id the payload is sent with, so a re-send is deduplicated. */
  readonly id: string
  readonly dueAt: Date
  readonly payload: ScheduledPayload
  readonly status: ScheduleStatus
  /** Failed dispatch attempts since the entry was scheduled or last retried. */
  readonly attempts: number
  readonly lastError: string | undefined
  readonly createdAt: Date
}

export interface ScheduleListOptions {
  /** At most this many entries. Default 100. */
  limit?: number
  /**
   * Only entries whose id starts with this, compared as plain text (no wildcards): a process
   * manager's timers (`<name>:`), one instance's (`<name>:<correlationId>:`).
   */
  idPrefix?: string
}

export interface ScheduleRequest {
  id: string
  dueAt: Date
  payload: ScheduledPayload
}

/**
 * The durable scheduler's storage port ("at time T, send command C"): memory, SQLite and
 * PostgreSQL adapters pass `scheduleStoreSuite` in `@acta/testing`. `startScheduler` runs it.
 *
 * Idempotent by id: scheduling an id that is pending replaces its time and payload; an id that
 * already fired, was cancelled or was parked as failed is left alone, so a redelivered event
 * cannot fire a timer twice.
 *
 * Lifecycle: `pending` -> `claimDue` (one owner, for a while) -> `complete` (`done`), or `fail`
 * (`pending` again at a later time), or `park` (`failed`, kept and listed by `failed()` until
 * `retry(id)` makes it `pending` again or `cancel(id)` gives it up). Nothing is dropped silently.
 *
 * @example
 * await schedules.schedule({ id: `expire-${todoId}`, dueAt: deadline, payload: { type: 'mark-todo-as-expired', data: { todoId } } })
 */
export interface ScheduleStore {
  /**
   * Returns the entry's status after the call: `'pending'` unless it had already fired, was
   * cancelled or was parked. Rescheduling an entry that is being fired takes it from its claimant,
   * so the new time and payload are fired (again, with the same id) at least once.
   */
  schedule(request: ScheduleRequest): Promise<ScheduleStatus>
  /** Cancels a pending or parked entry; false when it was neither. */
  cancel(id: string): Promise<boolean>
  get(id: string): Promise<ScheduledEntry | undefined>
  /**
   * Claims up to `limit` pending entries due at or before `now`, oldest due first, for `ttlMs`:
   * no other claimant receives them until the claim expires (a crashed owner's entries come back).
   */
  claimDue(options: { now: Date; limit: number; owner: string; ttlMs: number }): Promise<ScheduledEntry[]>
  /** Marks a claimed entry done; false when `owner` no longer holds the claim. */
  complete(id: string, owner: string): Promise<boolean>
  /**
   * Gives a claimed entry back after a failed dispatch, to be retried at `retryAt`: counts the
   * attempt and records `error`. False when `owner` no longer holds the claim.
   */
  fail(id: string, owner: string, error: string, retryAt: Date): Promise<boolean>
  /**
   * Parks a claimed entry whose dispatch failed for the last time: counts the attempt, records
   * `error` and sets the status `failed`. False when `owner` no longer holds the claim.
   */
  park(id: string, owner: string, error: string): Promise<boolean>
  /**
   * Makes a parked entry pending again, due at `dueAt` (default now), with its attempts reset
   * (`lastError` is kept). False when the entry is not parked.
   *
   * @example
   * for (const entry of await schedules.failed()) await schedules.retry(entry.id)
   */
  retry(id: string, dueAt?: Date): Promise<boolean>
  /** The earliest due time among pending entries (claimed ones included). */
  nextDueAt(): Promise<Date | undefined>
  /** Pending entries, earliest due first (for status pages); default limit 100. */
  pending(options?: ScheduleListOptions): Promise<ScheduledEntry[]>
  /** Parked entries, earliest due first (for status pages and operators); default limit 100. */
  failed(options?: ScheduleListOptions): Promise<ScheduledEntry[]>
  /** Forgets done and cancelled entries created before `olderThan`; returns how many. Parked ones stay. */
  prune(olderThan: Date): Promise<number>
  close(): Promise<void>
}

/**
 * Checks a schedule request the same way in every adapter and returns its payload as JSON text.
 * Throws a `ValidationError` for an empty id, an invalid date, a payload without a type, or a
 * payload JSON cannot carry unchanged.
 */
export function validateScheduleRequest(request: ScheduleRequest): string {
  if (typeof request.id !== 'string' || request.id.length === 0 || request.id.length > 512) {
    throw new ValidationError('A schedule id is a non-empty string of at most 512 characters')
  }
  assertScheduleDate(request.dueAt, `Schedule "${request.id}" needs a valid dueAt date`)
  const payload = request.payload as ScheduledPayload | undefined
  if (!payload || typeof payload.type !== 'string' || payload.type.length === 0) {
    throw new ValidationError(`Schedule "${request.id}" needs a payload with a type`)
  }
  return toJson(payload, `payload of schedule "${request.id}"`)
}

/** Checks `claimDue`'s options the same way in every adapter. */
export function validateClaimOptions(options: {
  now: Date
  limit: number
  owner: string
  ttlMs: number
}): void {
  assertScheduleDate(options.now, 'claimDue needs a valid now date')
  if (!Number.isSafeInteger(options.limit) || options.limit <= 0) {
    throw new ValidationError('claimDue needs a positive integer limit', { limit: options.limit })
  }
  if (typeof options.owner !== 'string' || options.owner.length === 0) {
    throw new ValidationError('claimDue needs a non-empty owner')
  }
  if (!Number.isFinite(options.ttlMs) || options.ttlMs <= 0) {
    throw new ValidationError('claimDue needs a positive ttlMs', { ttlMs: options.ttlMs })
  }
}

/** Throws a `ValidationError` with `message` unless `date` is a valid Date. */
export function assertScheduleDate(date: unknown, message: string): asserts date is Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new ValidationError(message)
}

/** A list limit: default 100, a positive integer otherwise. */
export function scheduleListLimit(options: ScheduleListOptions = {}): number {
  const limit = options.limit ?? 100
  if (!Number.isSafeInteger(limit) || limit <= 0) {
    throw new ValidationError('A list limit is a positive integer', { limit })
  }
  return limit
}

/** Checks a list's `idPrefix`; returns it ('' when absent: every entry). */
export function scheduleListPrefix(options: ScheduleListOptions = {}): string {
  const { idPrefix = '' } = options
  if (typeof idPrefix !== 'string' || idPrefix.length > 1000)
    throw new ValidationError('An id prefix is a string of at most 1000 characters', { idPrefix })
  return idPrefix
}

/**
 * Timers in process memory, for tests. Nothing survives the process.
 *
 * @example
 * const scheduler = startScheduler({ schedules: memoryScheduleStore(), dispatch })
 */
export function memoryScheduleStore(): ScheduleStore {
  type Row = {
    id: string
    dueAt: number
    payload: string
    status: ScheduleStatus
    attempts: number
    lastError: string | undefined
    createdAt: number
    claim?: { owner: string; until: number } | undefined
  }
  const rows = new Map<string, Row>()
  const view = (row: Row): ScheduledEntry => ({
    id: row.id,
    dueAt: new Date(row.dueAt),
    payload: JSON.parse(row.payload) as ScheduledPayload,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    createdAt: new Date(row.createdAt),
  })
  const held = (row: Row | undefined, owner: string): row is Row =>
    row !== undefined &&
    row.status === 'pending' &&
    row.claim?.owner === owner &&
    row.claim.until > Date.now()
  const byDue = (a: Row, b: Row) => a.dueAt - b.dueAt || (a.id < b.id ? -1 : 1)
  const list = (status: ScheduleStatus, options?: ScheduleListOptions) => {
    const limit = scheduleListLimit(options)
    const prefix = scheduleListPrefix(options)
    return [...rows.values()]
      .filter((row) => row.status === status && row.id.startsWith(prefix))
      .sort(byDue)
      .slice(0, limit)
      .map(view)
  }

  return {
    async schedule(request) {
      const payload = validateScheduleRequest(request)
      const existing = rows.get(request.id)
      if (existing && existing.status !== 'pending') return existing.status
      rows.set(request.id, {
        id: request.id,
        dueAt: request.dueAt.getTime(),
        payload,
        status: 'pending',
        attempts: existing?.attempts ?? 0,
        lastError: existing?.lastError,
        createdAt: existing?.createdAt ?? Date.now(),
      })
      return 'pending'
    },
    async cancel(id) {
      const row = rows.get(id)
      if (row?.status !== 'pending' && row?.status !== 'failed') return false
      row.status = 'cancelled'
      row.claim = undefined
      return true
    },
    async get(id) {
      const row = rows.get(id)
      return row && view(row)
    },
    async claimDue(options) {
      validateClaimOptions(options)
      const { now, limit, owner, ttlMs } = options
      const due = [...rows.values()]
        .filter(
          (row) =>
            row.status === 'pending' &&
            row.dueAt <= now.getTime() &&
            (row.claim === undefined || row.claim.until <= Date.now()),
        )
        .sort(byDue)
        .slice(0, limit)
      for (const row of due) row.claim = { owner, until: Date.now() + ttlMs }
      return due.map(view)
    },
    async complete(id, owner) {
      const row = rows.get(id)
      if (!held(row, owner)) return false
      row.status = 'done'
      row.claim = undefined
      return true
    },
    async fail(id, owner, error, retryAt) {
      assertScheduleDate(retryAt, `fail("${id}") needs a valid retryAt date`)
      const row = rows.get(id)
      if (!held(row, owner)) return false
      row.attempts++
      row.lastError = String(error)
      row.dueAt = retryAt.getTime()
      row.claim = undefined
      return true
    },
    async park(id, owner, error) {
      const row = rows.get(id)
      if (!held(row, owner)) return false
      row.attempts++
      row.lastError = String(error)
      row.status = 'failed'
      row.claim = undefined
      return true
    },
    async retry(id, dueAt = new Date()) {
      assertScheduleDate(dueAt, `retry("${id}") needs a valid dueAt date`)
      const row = rows.get(id)
      if (row?.status !== 'failed') return false
      row.status = 'pending'
      row.attempts = 0
      row.dueAt = dueAt.getTime()
      return true
    },
    async nextDueAt() {
      const next = [...rows.values()].filter((row) => row.status === 'pending').sort(byDue)[0]
      return next && new Date(next.dueAt)
    },
    pending: async (options) => list('pending', options),
    failed: async (options) => list('failed', options),
    async prune(olderThan) {
      assertScheduleDate(olderThan, 'prune needs a valid olderThan date')
      let removed = 0
      for (const [id, row] of rows) {
        if ((row.status === 'done' || row.status === 'cancelled') && row.createdAt < olderThan.getTime()) {
          rows.delete(id)
          removed++
        }
      }
      return removed
    },
    async close() {},
  }
}
