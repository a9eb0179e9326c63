import type { ScheduleStatus, ScheduleStore, ScheduledEntry, ScheduledPayload } from '@acta/core'
import {
  assertScheduleDate,
  scheduleListLimit,
  scheduleListPrefix,
  validateClaimOptions,
  validateScheduleRequest,
  ValidationError,
} from '@acta/core'
import pg from 'pg'
import type { PostgresPool } from './pool.js'
import { runMigrations, tables } from './schema.js'
import { translateError } from './translate-error.js'

export interface PostgresScheduleStoreOptions {
  connectionString?: string
  /** A pool you own (a `pg.Pool` fits); never ended by `close()`. */
  pool?: PostgresPool
  /** Schema of the table; default `public`. Shared with the event store of the same schema. */
  schema?: string
}

/** The store, plus `ready()` to create or migrate the table now instead of on first use. */
export interface PostgresScheduleStore extends ScheduleStore {
  ready(): Promise<void>
}

interface Names {
  schedules: string
  migrations: string
}

const migrations: readonly { version: number; name: string; sql: (q: Names) => string }[] = [
  {
    version: 1,
    name: 'schedules',
    sql: (q) => `
      CREATE TABLE ${q.schedules} (
        id text COLLATE "C" PRIMARY KEY,
        due_at timestamptz NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'done', 'cancelled', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        claim_owner text,
        claim_until timestamptz
      );
      CREATE INDEX acta_schedules_due ON ${q.schedules} (status, due_at, id);
      CREATE INDEX acta_schedules_created ON ${q.schedules} (created_at) WHERE status IN ('done', 'cancelled');`,
  },
]

interface Row {
  id: string
  due_at: Date
  payload: ScheduledPayload
  status: ScheduleStatus
  attempts: number
  last_error: string | null
  created_at: Date
}

const columns = 'id, due_at, payload, status, attempts, last_error, created_at'

const entry = (row: Row): ScheduledEntry => ({
  id: row.id,
  dueAt: row.due_at,
  payload: row.payload,
  status: row.status,
  attempts: row.attempts,
  lastError: row.last_error ?? undefined,
  createdAt: row.created_at,
})

const byDue = (a: ScheduledEntry, b: ScheduledEntry) =>
  a.dueAt.getTime() - b.dueAt.getTime() || (a.id < b.id ? -1 : 1)

/** PostgreSQL text cannot hold NUL; an error message is for people, so it loses them. */
const errorText = (error: string) => String(error).replaceAll('\0', '')

/**
 * Durable timers on PostgreSQL. `claimDue` is one `UPDATE … RETURNING` over rows picked with
 * `FOR UPDATE SKIP LOCKED`, so any number of schedulers share the table without handing an entry
 * to two of them; claims expire by the database clock, due times by the caller's `now`.
 *
 * @example
 * const schedules = postgresScheduleStore({ connectionString: process.env.ACTA_DATABASE_URL })
 * const scheduler = startScheduler({ schedules, dispatch: (entry) => bus.send(scheduledCommand(entry)) })
 */
export function postgresScheduleStore(options: PostgresScheduleStoreOptions): PostgresScheduleStore {
  if (!options.pool && !options.connectionString) {
    throw new ValidationError('postgresScheduleStore needs a connectionString or a pool')
  }
  const t = tables(options.schema ?? 'public')
  const q: Names = {
    schedules: t.events.replace(/acta_events$/, 'acta_schedules'),
    migrations: t.events.replace(/acta_events$/, 'acta_schedule_migrations'),
  }
  const ownPool = options.pool ? undefined : new pg.Pool({ connectionString: options.connectionString })
  ownPool?.on('error', () => undefined)
  const pool: PostgresPool = options.pool ?? ownPool!
  const plan = {
    schema: t.schema,
    ledger: q.migrations,
    migrations: migrations.map((m) => ({ ...m, sql: m.sql(q) })),
  }
  let migrating: Promise<void> | undefined
  const ready = () =>
    (migrating ??= runMigrations(pool, plan).catch((error: unknown) => {
      migrating = undefined
      throw translateError(error, { schema: t.schema, operation: 'migrate' })
    }))
  const run = async <R>(text: string, values: unknown[]): Promise<R[]> => {
    await ready()
    try {
      return (await pool.query<R>({ text, values })).rows
    } catch (error) {
      throw translateError(error, { schema: t.schema })
    }
  }
  const held = `id = $1 AND status = 'pending' AND claim_owner = $2 AND claim_until > now()`

  return {
    ready,
    async schedule(request) {
      const payload = validateScheduleRequest(request)
      // the WITH clause reads the row as the statement's snapshot saw it; when a concurrent
      // insert of the same id made ON CONFLICT wait, that snapshot can miss the row: ask again
      for (let attempt = 0; ; attempt++) {
        const rows = await run<{ status: ScheduleStatus }>(
          `WITH upserted AS (
             INSERT INTO ${q.schedules} (id, due_at, payload, status) VALUES ($1, $2, $3::jsonb, 'pending')
             ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload,
               claim_owner = NULL, claim_until = NULL
             WHERE ${q.schedules}.status = 'pending'
             RETURNING status)
           SELECT status FROM upserted
           UNION ALL
           SELECT status FROM ${q.schedules} WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM upserted)`,
          [request.id, request.dueAt, payload],
        )
        if (rows[0]) return rows[0].status
        if (attempt >= 3) throw new Error(`Scheduling "${request.id}" kept racing with concurrent writers`)
      }
    },
    async cancel(id) {
      const rows = await run(
        `UPDATE ${q.schedules} SET status = 'cancelled', claim_owner = NULL, claim_until = NULL
         WHERE id = $1 AND status IN ('pending', 'failed') RETURNING 1`,
        [id],
      )
      return rows.length === 1
    },
    async get(id) {
      const rows = await run<Row>(`SELECT ${columns} FROM ${q.schedules} WHERE id = $1`, [id])
      return rows[0] && entry(rows[0])
    },
    async claimDue(claimOptions) {
      validateClaimOptions(claimOptions)
      const { now, limit, owner, ttlMs } = claimOptions
      // MATERIALIZED: the locking pick runs once, whatever plan the UPDATE gets
      const rows = await run<Row>(
        `WITH due AS MATERIALIZED (
           SELECT id FROM ${q.schedules}
           WHERE status = 'pending' AND due_at <= $1 AND (claim_until IS NULL OR claim_until <= now())
           ORDER BY due_at, id LIMIT $2
           FOR UPDATE SKIP LOCKED)
         UPDATE ${q.schedules} AS s
         SET claim_owner = $3, claim_until = now() + make_interval(secs => $4::double precision / 1000)
         FROM due WHERE s.id = due.id
         RETURNING ${columns.replace(/(\w+)/g, 's.$1')}`,
        [now, limit, owner, ttlMs],
      )
      return rows.map(entry).sort(byDue)
    },
    async complete(id, owner) {
      const rows = await run(
        `UPDATE ${q.schedules} SET status = 'done', claim_owner = NULL, claim_until = NULL
         WHERE ${held} RETURNING 1`,
        [id, owner],
      )
      return rows.length === 1
    },
    async fail(id, owner, error, retryAt) {
      assertScheduleDate(retryAt, `fail("${id}") needs a valid retryAt date`)
      const rows = await run(
        `UPDATE ${q.schedules} SET attempts = attempts + 1, last_error = $3, due_at = $4,
           claim_owner = NULL, claim_until = NULL
         WHERE ${held} RETURNING 1`,
        [id, owner, errorText(error), retryAt],
      )
      return rows.length === 1
    },
    async park(id, owner, error) {
      const rows = await run(
        `UPDATE ${q.schedules} SET status = 'failed', attempts = attempts + 1, last_error = $3,
           claim_owner = NULL, claim_until = NULL
         WHERE ${held} RETURNING 1`,
        [id, owner, errorText(error)],
      )
      return rows.length === 1
    },
    async retry(id, dueAt = new Date()) {
      assertScheduleDate(dueAt, `retry("${id}") needs a valid dueAt date`)
      const rows = await run(
        `UPDATE ${q.schedules} SET status = 'pending', attempts = 0, due_at = $2
         WHERE id = $1 AND status = 'failed' RETURNING 1`,
        [id, dueAt],
      )
      return rows.length === 1
    },
    async nextDueAt() {
      const rows = await run<{ next: Date | null }>(
        `SELECT min(due_at) AS next FROM ${q.schedules} WHERE status = 'pending'`,
        [],
      )
      return rows[0]?.next ?? undefined
    },
    async pending(listOptions) {
      const limit = scheduleListLimit(listOptions)
      const prefix = scheduleListPrefix(listOptions)
      // compared as text (left(), not LIKE): `%` and `_` in ids are plain characters
      const rows = await run<Row>(
        `SELECT ${columns} FROM ${q.schedules}
         WHERE status = 'pending' AND left(id, length($2)) = $2 ORDER BY due_at, id LIMIT $1`,
        [limit, prefix],
      )
      return rows.map(entry)
    },
    async failed(listOptions) {
      const limit = scheduleListLimit(listOptions)
      const prefix = scheduleListPrefix(listOptions)
      // compared as text (left(), not LIKE): `%` and `_` in ids are plain characters
      const rows = await run<Row>(
        `SELECT ${columns} FROM ${q.schedules}
         WHERE status = 'failed' AND left(id, length($2)) = $2 ORDER BY due_at, id LIMIT $1`,
        [limit, prefix],
      )
      return rows.map(entry)
    },
    async prune(olderThan) {
      assertScheduleDate(olderThan, 'prune needs a valid olderThan date')
      const rows = await run(
        `DELETE FROM ${q.schedules} WHERE status IN ('done', 'cancelled') AND created_at < $1 RETURNING 1`,
        [olderThan],
      )
      return rows.length
    },
    async close() {
      await ownPool?.end()
    },
  }
}
