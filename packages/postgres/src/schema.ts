import { createHash } from 'node:crypto'
import { ValidationError } from '@acta/core'
import { escapeIdentifier } from 'pg'
import type { PostgresPool, PostgresQueryable } from './pool.js'
import { sqlState, translateError } from './translate-error.js'

/** Quoted, schema-qualified names of the store's tables, and the names derived from the schema. */
export interface Tables {
  readonly schema: string
  readonly streams: string
  readonly events: string
  readonly snapshots: string
  readonly migrations: string
  /** NOTIFY channel (a plain string; quote it for LISTEN). */
  readonly channel: string
  /** Prefix of prepared statement names, unique per schema so stores on one pool never clash. */
  readonly statementPrefix: string
}

const maxIdentifierBytes = 63

export function tables(schema: string): Tables {
  if (typeof schema !== 'string' || schema.length === 0 || schema.includes('\0')) {
    throw new ValidationError('The schema must be a non-empty string without NUL', { schema })
  }
  if (Buffer.byteLength(schema) > maxIdentifierBytes) {
    // PostgreSQL would silently truncate it, and two long names could end up as one schema
    throw new ValidationError(`The schema name must be at most ${maxIdentifierBytes} bytes`, { schema })
  }
  const hash = createHash('sha256').update(schema).digest('hex')
  const q = escapeIdentifier(schema)
  const readable = `acta:${schema}`
  return {
    schema,
    streams: `${q}.acta_streams`,
    events: `${q}.acta_events`,
    snapshots: `${q}.acta_snapshots`,
    migrations: `${q}.acta_migrations`,
    channel: Buffer.byteLength(readable) <= maxIdentifierBytes ? readable : `acta:${hash.slice(0, 32)}`,
    statementPrefix: `acta_${hash.slice(0, 12)}_`,
  }
}

interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: (t: Tables) => string
}

/** Append-only: a released migration is never edited, a change is a new entry. */
const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'streams, events, snapshots',
    sql: (t) => `
      CREATE TABLE ${t.streams} (
        stream_id text PRIMARY KEY,
        version bigint NOT NULL DEFAULT 0,
        deleted boolean NOT NULL DEFAULT false,
        truncate_before bigint,
        metadata jsonb NOT NULL DEFAULT '{}'
      );
      CREATE TABLE ${t.events} (
        global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        stream_id text NOT NULL,
        stream_version bigint NOT NULL,
        event_id uuid NOT NULL UNIQUE,
        type text NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (stream_id, stream_version)
      );
      CREATE INDEX acta_events_log_order ON ${t.events} (tx_id, global_position);
      CREATE TABLE ${t.snapshots} (
        stream_id text NOT NULL,
        version bigint NOT NULL,
        schema_version integer NOT NULL,
        state jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (stream_id, version)
      );`,
  },
]

/** The schema version this code writes; the migrations table records what a database holds. */
export const latestSchemaVersion = migrations[migrations.length - 1]!.version

/**
 * Creates the schema and tables, or brings them up to {@link latestSchemaVersion}. Safe when many
 * processes start at once: the work runs in one transaction under a transaction-level advisory
 * lock (no session state, so it works behind a transaction-mode pooler). A database already at a
 * newer version is left alone: migrations only add.
 */
export async function migrate(pool: PostgresPool, t: Tables): Promise<void> {
  try {
    if ((await recordedVersion(pool, t)) >= latestSchemaVersion) return
    const client = await pool.connect()
    let failed: unknown
    try {
      await client.query({ text: 'BEGIN' })
      await client.query({
        text: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))',
        values: [`acta.migrate:${t.schema}`],
      })
      const found = await client.query({
        text: 'SELECT 1 FROM pg_namespace WHERE nspname = $1',
        values: [t.schema],
      })
      // checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the schema exists
      if (found.rows.length === 0) await client.query({ text: `CREATE SCHEMA ${escapeIdentifier(t.schema)}` })
      await client.query({
        text: `CREATE TABLE IF NOT EXISTS ${t.migrations} (
          version integer PRIMARY KEY,
          name text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`,
      })
      const current = await recordedVersion(client, t)
      for (const migration of migrations) {
        if (migration.version <= current) continue
        await client.query({ text: migration.sql(t) })
        await client.query({
          text: `INSERT INTO ${t.migrations} (version, name) VALUES ($1, $2)`,
          values: [migration.version, migration.name],
        })
      }
      await client.query({ text: 'COMMIT' })
    } catch (error) {
      failed = error
      await client.query({ text: 'ROLLBACK' }).catch(() => undefined)
      throw error
    } finally {
      client.release(failed instanceof Error && sqlState(failed) === undefined ? failed : undefined)
    }
  } catch (error) {
    throw translateError(error, { schema: t.schema, operation: 'migrate' })
  }
}

async function recordedVersion(db: PostgresQueryable, t: Tables): Promise<number> {
  try {
    const { rows } = await db.query<{ version: number | null }>({
      text: `SELECT max(version) AS version FROM ${t.migrations}`,
    })
    return rows[0]?.version ?? 0
  } catch (error) {
    // 42P01 undefined table, 3F000 undefined schema: nothing migrated yet
    if (sqlState(error) === '42P01' || sqlState(error) === '3F000') return 0
    throw error
  }
}
