import { openConnection } from './open-connection.js'
import type {
  ScheduleListOptions,
  ScheduleStatus,
  ScheduleStore,
  ScheduledEntry,
  ScheduledPayload,
} from '@acta/core'
import {
  assertScheduleDate,
  scheduleListLimit,
  scheduleListPrefix,
  validateClaimOptions,
  validateScheduleRequest,
} from '@acta/core'
import type Database from 'better-sqlite3'
import { migrate, type MigrationLedger } from './schema.js'
import { defaultSqlitePath } from './sqlite-event-store.js'
import { translateSqliteError } from './write-lock.js'

export interface SqliteScheduleStoreOptions {
  /** Database file, shared with the event store by default (`.acta/acta.db`). */
  path?: string
  /** A better-sqlite3 database you own; never closed by `close()`. */
  database?: Database.Database
  busyTimeoutMs?: number
}

const ledger: MigrationLedger = {
  table: 'acta_schedule_migrations',
  what: 'schedule schema',
  migrations: [
    {
      version: 1,
      name: 'schedules',
      sql: `
        CREATE TABLE acta_schedules (
          id TEXT PRIMARY KEY,
          due_at INTEGER NOT NULL,
          payload TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'cancelled', 'failed')),
          attempts INTEGER NOT NULL DEFAULT 0,
          last_error TEXT,
          created_at INTEGER NOT NULL,
          claim_owner TEXT,
          claim_until INTEGER
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX acta_schedules_due ON acta_schedules (status, due_at, id);
        CREATE INDEX acta_schedules_created ON acta_schedules (created_at) WHERE status IN ('done', 'cancelled');`,
    },
  ],
}

interface Row {
  id: string
  due_at: number
  payload: string
  status: ScheduleStatus
  attempts: number
  last_error: string | null
  created_at: number
}

const columns = 'id, due_at, payload, status, attempts, last_error, created_at'

const entry = (row: Row): ScheduledEntry => ({
  id: row.id,
  dueAt: new Date(row.due_at),
  payload: JSON.parse(row.payload) as ScheduledPayload,
  status: row.status,
  attempts: row.attempts,
  lastError: row.last_error ?? undefined,
  createdAt: new Date(row.created_at),
})

/**
 * Durable timers in a SQLite file, shared by the processes of one machine. Every operation is
 * one statement, atomic under SQLite's write lock, so two processes never claim the same entry;
 * claims expire by the machine's clock, which every process sharing the file shares.
 *
 * @example
 * const schedules = sqliteScheduleStore({ path: '.acta/acta.db' })
 * await schedules.schedule({ id: 'expire-t1', dueAt, payload: { type: 'expire-todo', data: { id: 't1' } } })
 */
export function sqliteScheduleStore(options: SqliteScheduleStoreOptions = {}): ScheduleStore {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000
  const { db, owned } = openConnection(
    { path: options.path ?? defaultSqlitePath, database: options.database },
    { synchronous: 'NORMAL', busyTimeoutMs },
    (opened) => migrate(opened, ledger),
  )
  const run = <T>(work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work())
    } catch (error) {
      const translated = translateSqliteError(error)
      return Promise.reject(
        translated instanceof Error ? translated : new Error('SQLite failed', { cause: translated }),
      )
    }
  }

  // a reschedule drops the claim, so the new time and payload fire even if the old ones are firing
  const upsert = db.prepare<[string, number, string, number], { status: ScheduleStatus }>(
    `INSERT INTO acta_schedules (id, due_at, payload, status, created_at) VALUES (?, ?, ?, 'pending', ?)
     ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload,
       claim_owner = NULL, claim_until = NULL
     WHERE acta_schedules.status = 'pending'
     RETURNING status`,
  )
  const statusOf = db
    .prepare<[string], ScheduleStatus>('SELECT status FROM acta_schedules WHERE id = ?')
    .pluck()
  const cancel = db.prepare<[string]>(
    `UPDATE acta_schedules SET status = 'cancelled', claim_owner = NULL, claim_until = NULL
     WHERE id = ? AND status IN ('pending', 'failed')`,
  )
  const get = db.prepare<[string], Row>(`SELECT ${columns} FROM acta_schedules WHERE id = ?`)
  const claim = db.prepare<[string, number, number, number, number], Row>(
    `UPDATE acta_schedules SET claim_owner = ?, claim_until = ?
     WHERE id IN (
       SELECT id FROM acta_schedules
       WHERE status = 'pending' AND due_at <= ? AND (claim_until IS NULL OR claim_until <= ?)
       ORDER BY due_at, id LIMIT ?)
     RETURNING ${columns}`,
  )
  const held = `id = @id AND status = 'pending' AND claim_owner = @owner AND claim_until > @now`
  const complete = db.prepare<{ id: string; owner: string; now: number }>(
    `UPDATE acta_schedules SET status = 'done', claim_owner = NULL, claim_until = NULL WHERE ${held}`,
  )
  const fail = db.prepare<{ id: string; owner: string; now: number; error: string; retryAt: number }>(
    `UPDATE acta_schedules SET attempts = attempts + 1, last_error = @error, due_at = @retryAt,
       claim_owner = NULL, claim_until = NULL
     WHERE ${held}`,
  )
  const park = db.prepare<{ id: string; owner: string; now: number; error: string }>(
    `UPDATE acta_schedules SET status = 'failed', attempts = attempts + 1, last_error = @error,
       claim_owner = NULL, claim_until = NULL
     WHERE ${held}`,
  )
  const retry = db.prepare<[number, string]>(
    `UPDATE acta_schedules SET status = 'pending', attempts = 0, due_at = ? WHERE id = ? AND status = 'failed'`,
  )
  const nextDueAt = db
    .prepare<[], number | null>(`SELECT min(due_at) FROM acta_schedules WHERE status = 'pending'`)
    .pluck()
  // the prefix is compared as text: no LIKE, so `%` and `_` in ids are plain characters
  const list = db.prepare<[ScheduleStatus, string, string, number], Row>(
    `SELECT ${columns} FROM acta_schedules
     WHERE status = ? AND substr(id, 1, length(?)) = ? ORDER BY due_at, id LIMIT ?`,
  )
  const listed = (status: ScheduleStatus, options?: ScheduleListOptions) => {
    const limit = scheduleListLimit(options)
    const prefix = scheduleListPrefix(options)
    return list.all(status, prefix, prefix, limit).map(entry)
  }
  const prune = db.prepare<[number]>(
    `DELETE FROM acta_schedules WHERE status IN ('done', 'cancelled') AND created_at < ?`,
  )
  const scheduleOne = db.transaction((id: string, dueAt: number, payload: string): ScheduleStatus => {
    const row = upsert.get(id, dueAt, payload, Date.now())
    return row?.status ?? statusOf.get(id)!
  })
  const byDue = (a: ScheduledEntry, b: ScheduledEntry) =>
    a.dueAt.getTime() - b.dueAt.getTime() || (a.id < b.id ? -1 : 1)

  return {
    schedule: (request) =>
      run(() => {
        const payload = validateScheduleRequest(request)
        return scheduleOne.immediate(request.id, request.dueAt.getTime(), payload)
      }),
    cancel: (id) => run(() => cancel.run(id).changes === 1),
    get: (id) =>
      run(() => {
        const row = get.get(id)
        return row && entry(row)
      }),
    claimDue: (claimOptions) =>
      run(() => {
        validateClaimOptions(claimOptions)
        const { now, limit, owner, ttlMs } = claimOptions
        const clock = Date.now()
        // RETURNING does not promise an order
        return claim
          .all(owner, clock + ttlMs, now.getTime(), clock, limit)
          .map(entry)
          .sort(byDue)
      }),
    complete: (id, owner) => run(() => complete.run({ id, owner, now: Date.now() }).changes === 1),
    fail: (id, owner, error, retryAt) =>
      run(() => {
        assertScheduleDate(retryAt, `fail("${id}") needs a valid retryAt date`)
        const values = { id, owner, now: Date.now(), error: String(error), retryAt: retryAt.getTime() }
        return fail.run(values).changes === 1
      }),
    park: (id, owner, error) =>
      run(() => park.run({ id, owner, now: Date.now(), error: String(error) }).changes === 1),
    retry: (id, dueAt = new Date()) =>
      run(() => {
        assertScheduleDate(dueAt, `retry("${id}") needs a valid dueAt date`)
        return retry.run(dueAt.getTime(), id).changes === 1
      }),
    nextDueAt: () =>
      run(() => {
        const next = nextDueAt.get()
        return next === null || next === undefined ? undefined : new Date(next)
      }),
    pending: (listOptions) => run(() => listed('pending', listOptions)),
    failed: (listOptions) => run(() => listed('failed', listOptions)),
    prune: (olderThan) =>
      run(() => {
        assertScheduleDate(olderThan, 'prune needs a valid olderThan date')
        return prune.run(olderThan.getTime()).changes
      }),
    async close() {
      if (owned && db.open) db.close()
    },
  }
}
