import { ValidationError } from './errors.js'

/** What a timer sends when it is due: a command (or any message) for the command bus. */
export interface ScheduledPayload {
  readonly type: string
  readonly data: unknown
  readonly metadata?: Readonly<Record<string, unknown>>
}

export type ScheduleStatus = 'pending' | 'done' | 'cancelled'

export interface ScheduledEntry {
  /** The caller's id; also the message id the payload is sent with, so a re-send is deduplicated. */
  readonly id: string
  readonly dueAt: Date
  readonly payload: ScheduledPayload
  readonly status: ScheduleStatus
  /** Failed dispatch attempts so far. */
  readonly attempts: number
  readonly lastError: string | undefined
  readonly createdAt: Date
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
 * already fired or was cancelled is left alone, so a redelivered event cannot fire a timer twice.
 *
 * @example
 * await schedules.schedule({ id: `expire-${todoId}`, dueAt: deadline, payload: { type: 'mark-todo-as-expired', data: { todoId } } })
 */
export interface ScheduleStore {
  /** Returns the entry's status after the call (`'pending'` unless it had already fired or was cancelled). */
  schedule(request: ScheduleRequest): Promise<ScheduleStatus>
  /** Cancels a pending entry; false when it was not pending. */
  cancel(id: string): Promise<boolean>
  get(id: string): Promise<ScheduledEntry | undefined>
  /**
   * Claims up to `limit` pending entries due at or before `now`, oldest due first, for `ttlMs`:
   * no other claimant receives them until the claim expires (a crashed owner's entries come back).
   */
  claimDue(options: { now: Date; limit: number; owner: string; ttlMs: number }): Promise<ScheduledEntry[]>
  /** Marks a claimed entry done; false when `owner` no longer holds the claim. */
  complete(id: string, owner: string): Promise<boolean>
  /** Gives a claimed entry back after a failed dispatch, to be retried at `retryAt`. */
  fail(id: string, owner: string, error: string, retryAt: Date): Promise<boolean>
  /** The earliest due time among pending entries. */
  nextDueAt(): Promise<Date | undefined>
  /** Pending entries, earliest due first (for status pages). */
  pending(options?: { limit?: number }): Promise<ScheduledEntry[]>
  /** Forgets done and cancelled entries created before `olderThan`; returns how many. */
  prune(olderThan: Date): Promise<number>
  close(): Promise<void>
}

export function validateScheduleRequest(request: ScheduleRequest): void {
  if (typeof request.id !== 'string' || request.id.length === 0 || request.id.length > 512) {
    throw new ValidationError('A schedule id is a non-empty string of at most 512 characters')
  }
  if (!(request.dueAt instanceof Date) || Number.isNaN(request.dueAt.getTime())) {
    throw new ValidationError(`Schedule "${request.id}" needs a valid dueAt date`)
  }
  const payload = request.payload as ScheduledPayload | undefined
  if (!payload || typeof payload.type !== 'string' || payload.type.length === 0) {
    throw new ValidationError(`Schedule "${request.id}" needs a payload with a type`)
  }
}

/**
 * Timers in process memory, for tests. Nothing survives the process.
 */
export function memoryScheduleStore(): ScheduleStore {
  type Row = {
    id: string
    dueAt: number
    payload: ScheduledPayload
    status: ScheduleStatus
    attempts: number
    lastError: string | undefined
    createdAt: number
    claim?: { owner: string; until: number }
  }
  const rows = new Map<string, Row>()
  const view = (row: Row): ScheduledEntry => ({
    id: row.id,
    dueAt: new Date(row.dueAt),
    payload: JSON.parse(JSON.stringify(row.payload)) as ScheduledPayload,
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

  return {
    async schedule(request) {
      validateScheduleRequest(request)
      const existing = rows.get(request.id)
      if (existing && existing.status !== 'pending') return existing.status
      rows.set(request.id, {
        id: request.id,
        dueAt: request.dueAt.getTime(),
        payload: JSON.parse(JSON.stringify(request.payload)) as ScheduledPayload,
        status: 'pending',
        attempts: existing?.attempts ?? 0,
        lastError: existing?.lastError,
        createdAt: existing?.createdAt ?? Date.now(),
      })
      return 'pending'
    },
    async cancel(id) {
      const row = rows.get(id)
      if (row?.status !== 'pending') return false
      row.status = 'cancelled'
      return true
    },
    async get(id) {
      const row = rows.get(id)
      return row && view(row)
    },
    async claimDue({ now, limit, owner, ttlMs }) {
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
      const row = rows.get(id)
      if (!held(row, owner)) return false
      row.attempts++
      row.lastError = error
      row.dueAt = retryAt.getTime()
      row.claim = undefined
      return true
    },
    async nextDueAt() {
      const next = [...rows.values()].filter((row) => row.status === 'pending').sort(byDue)[0]
      return next && new Date(next.dueAt)
    },
    async pending(options = {}) {
      return [...rows.values()]
        .filter((row) => row.status === 'pending')
        .sort(byDue)
        .slice(0, options.limit ?? 100)
        .map(view)
    },
    async prune(olderThan) {
      let removed = 0
      for (const [id, row] of rows) {
        if (row.status !== 'pending' && row.createdAt < olderThan.getTime()) {
          rows.delete(id)
          removed++
        }
      }
      return removed
    },
    async close() {},
  }
}
