import type { CheckpointStore, InboxStore, LeaseStore } from '@acta/core'
import { ValidationError } from '@acta/core'
import pg from 'pg'
import type { PostgresPool } from './pool.js'
import { runMigrations, tables as storeTables } from './schema.js'
import { translateError } from './translate-error.js'

export interface PostgresCoordinationOptions {
  connectionString?: string
  /** A pool you own (a `pg.Pool` fits); never ended by `close()`. */
  pool?: PostgresPool
  /** Schema of the tables; default `public`. Shared with the event store of the same schema. */
  schema?: string
}

export interface PostgresCoordination {
  checkpoints: CheckpointStore
  leases: LeaseStore
  inbox: InboxStore
  /** Creates or migrates the tables now instead of on first use. */
  ready(): Promise<void>
  close(): Promise<void>
}

const migrations: readonly { version: number; name: string; sql: (q: Names) => string }[] = [
  {
    version: 1,
    name: 'checkpoints, leases, inbox',
    sql: (q) => `
      CREATE TABLE ${q.checkpoints} (
        name text PRIMARY KEY,
        position bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE ${q.leases} (
        name text PRIMARY KEY,
        owner text NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE TABLE ${q.inbox} (
        consumer text NOT NULL,
        message_id text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, message_id)
      );
      CREATE INDEX acta_inbox_recorded_at ON ${q.inbox} (recorded_at);`,
  },
]

interface Names {
  schema: string
  checkpoints: string
  leases: string
  inbox: string
  migrations: string
}

/**
 * Checkpoints, leases and the inbox on PostgreSQL. Leases use the database clock and plain rows,
 * no session-level locks, so they work behind a transaction-mode pooler; a fenced checkpoint save
 * checks the lease in the same statement.
 *
 * @example
 * const { checkpoints, leases, inbox } = postgresCoordination({ connectionString })
 */
export function postgresCoordination(options: PostgresCoordinationOptions): PostgresCoordination {
  if (!options.pool && !options.connectionString) {
    throw new ValidationError('postgresCoordination needs a connectionString or a pool')
  }
  const t = storeTables(options.schema ?? 'public')
  const q: Names = {
    schema: t.schema,
    checkpoints: t.events.replace(/acta_events$/, 'acta_checkpoints'),
    leases: t.events.replace(/acta_events$/, 'acta_leases'),
    inbox: t.events.replace(/acta_events$/, 'acta_inbox'),
    migrations: t.events.replace(/acta_events$/, 'acta_coordination_migrations'),
  }
  const ownPool = options.pool ? undefined : new pg.Pool({ connectionString: options.connectionString })
  ownPool?.on('error', () => undefined)
  const pool: PostgresPool = options.pool ?? ownPool!
  let migrating: Promise<void> | undefined
  const plan = {
    schema: q.schema,
    ledger: q.migrations,
    migrations: migrations.map((m) => ({ ...m, sql: m.sql(q) })),
  }
  const ready = () =>
    (migrating ??= runMigrations(pool, plan).catch((error: unknown) => {
      migrating = undefined
      throw translateError(error, { schema: q.schema, operation: 'migrate' })
    }))
  const run = async <Row>(text: string, values: unknown[]): Promise<Row[]> => {
    await ready()
    try {
      return (await pool.query<Row>({ text, values })).rows
    } catch (error) {
      throw translateError(error, { schema: q.schema })
    }
  }
  const name = (value: unknown, what: string): string => {
    if (typeof value !== 'string' || value.length === 0 || value.includes('\0')) {
      throw new ValidationError(`A ${what} must be a non-empty string without NUL`)
    }
    return value
  }

  const checkpoints: CheckpointStore = {
    async load(checkpoint) {
      const rows = await run<{ position: string }>(`SELECT position FROM ${q.checkpoints} WHERE name = $1`, [
        name(checkpoint, 'checkpoint name'),
      ])
      return rows[0] ? Number(rows[0].position) : undefined
    },
    async save(checkpoint, position, saveOptions) {
      if (!Number.isSafeInteger(position) || position < 0) {
        throw new ValidationError('A checkpoint position must be a non-negative integer', { position })
      }
      const lease = saveOptions?.lease
      const rows = await run<{ saved: boolean }>(
        `INSERT INTO ${q.checkpoints} (name, position, updated_at)
         SELECT $1, $2, now()
         WHERE $3::text IS NULL
            OR EXISTS (SELECT 1 FROM ${q.leases} WHERE name = $3 AND owner = $4 AND expires_at > now())
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now()
         RETURNING true AS saved`,
        [name(checkpoint, 'checkpoint name'), position, lease?.name ?? null, lease?.owner ?? null],
      )
      return rows.length === 1
    },
    async list() {
      // byte order, as the other adapters sort, whatever the database's collation
      const rows = await run<{ name: string; position: string; updated_at: Date }>(
        `SELECT name, position, updated_at FROM ${q.checkpoints} ORDER BY name COLLATE "C"`,
        [],
      )
      return rows.map((row) => ({
        name: row.name,
        position: Number(row.position),
        updatedAt: row.updated_at,
      }))
    },
    close: async () => undefined,
  }

  const leases: LeaseStore = {
    async acquire(lease, owner, ttlMs) {
      if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new ValidationError('A lease needs a positive ttlMs')
      const rows = await run<{ owner: string }>(
        `INSERT INTO ${q.leases} (name, owner, expires_at)
         VALUES ($1, $2, now() + make_interval(secs => $3::double precision / 1000))
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE ${q.leases}.owner = excluded.owner OR ${q.leases}.expires_at <= now()
         RETURNING owner`,
        [name(lease, 'lease name'), name(owner, 'lease owner'), ttlMs],
      )
      return rows.length === 1
    },
    async release(lease, owner) {
      await run(`DELETE FROM ${q.leases} WHERE name = $1 AND owner = $2`, [lease, owner])
    },
    async holder(lease) {
      const rows = await run<{ owner: string; expires_at: Date }>(
        `SELECT owner, expires_at FROM ${q.leases} WHERE name = $1 AND expires_at > now()`,
        [lease],
      )
      return rows[0] ? { owner: rows[0].owner, expiresAt: rows[0].expires_at } : undefined
    },
    async list() {
      return (
        await run<{ name: string; owner: string; expires_at: Date }>(
          `SELECT name, owner, expires_at FROM ${q.leases} WHERE expires_at > now() ORDER BY name COLLATE "C"`,
          [],
        )
      ).map((row) => ({ name: row.name, owner: row.owner, expiresAt: row.expires_at }))
    },
    close: async () => undefined,
  }

  const inbox: InboxStore = {
    async has(consumer, messageId) {
      const rows = await run(`SELECT 1 FROM ${q.inbox} WHERE consumer = $1 AND message_id = $2`, [
        name(consumer, 'consumer'),
        name(messageId, 'message id'),
      ])
      return rows.length > 0
    },
    async record(consumer, messageId) {
      const rows = await run(
        `INSERT INTO ${q.inbox} (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`,
        [name(consumer, 'consumer'), name(messageId, 'message id')],
      )
      return rows.length === 1
    },
    async prune(olderThan) {
      const rows = await run(`DELETE FROM ${q.inbox} WHERE recorded_at < $1 RETURNING 1`, [olderThan])
      return rows.length
    },
    close: async () => undefined,
  }

  return {
    checkpoints,
    leases,
    inbox,
    ready,
    async close() {
      await ownPool?.end()
    },
  }
}
