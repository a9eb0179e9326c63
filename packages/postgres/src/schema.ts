import { createHash } from 'node:crypto'
import { ValidationError } from '@acta/core'
import { escapeIdentifier } from 'pg'
import { inTransaction, type PostgresPool, type PostgresQueryable } from './pool.js'
import { sqlState, translateError } from './translate-error.js'

/** Quoted, schema-qualified names of the store's tables, and the names derived from the schema. */
export interface Tables {
  readonly schema: string
  readonly streams: string
  readonly events: string
  readonly snapshots: string
  readonly migrations: string
  /** The plpgsql append that decides under the stream's lock (schema 2). */
  readonly appendFunction: string
  /** NOTIFY channel (a plain string; quote it for LISTEN). */
  readonly channel: string
  /** Prefix of prepared statement names, unique per schema so stores on one pool never clash. */
  readonly statementPrefix: string
}

const maxIdentifierBytes = 63

/** The text of a stream's advisory lock (hashed with hashtextextended): appends that decide and deletes queue on it. */
export function streamLockKey(t: Tables, streamId: string): string {
  return `acta:${t.schema}:${streamId}`
}

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
    appendFunction: `${q}.acta_append`,
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
  {
    version: 2,
    name: 'stream version from events; acta_streams only for deletes, truncation, metadata',
    // An append no longer writes acta_streams: a stream's version is its newest event's, read from
    // the (stream_id, stream_version) index, and "deleted" is derived: the stream was soft-deleted at
    // deleted_version and nothing was appended since. Dropping the old columns makes processes still
    // on schema 1 fail instead of numbering from a counter nobody keeps any more.
    sql: (t) => `
      ALTER TABLE ${t.streams} ADD COLUMN deleted_version bigint;
      UPDATE ${t.streams} SET deleted_version = version WHERE deleted AND version > 0;
      ALTER TABLE ${t.streams} DROP COLUMN version, DROP COLUMN deleted;
      ${appendFunctionSql(t)}`,
  },
  {
    version: 3,
    name: 'index of events by correlation id',
    // readByCorrelation's index; events without a correlation id are left out. The key is the id
    // alone (smallest entries, least cost per append): the few rows of a correlation are sorted
    // into log order by the query. Built inside the migration's transaction: on a large existing
    // log, appends wait for it.
    sql: (t) => `
      CREATE INDEX acta_events_by_correlation ON ${t.events} ((metadata->>'correlationId'))
        WHERE (metadata->>'correlationId') IS NOT NULL;`,
  },
]

/**
 * The append that decides under the stream's advisory lock: each statement of a plpgsql function
 * takes a new snapshot, so the version and deleted state it reads after the lock are current. Used
 * for 'stream-exists' and whenever the one-statement append was refused or lost a race.
 * Returns the stream's version before the append and, when it appended, the first new version,
 * the recording time and the positions (comma-separated, in version order); NULLs when refused.
 * Part of migration 2: a change to it is a new migration (CREATE OR REPLACE FUNCTION).
 */
function appendFunctionSql(t: Tables): string {
  const body = `
    DECLARE
      current_version bigint;
      deleted boolean;
      allowed boolean;
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtextextended(p_lock_key, 0));
      SELECT coalesce(max(x.stream_version), 0) INTO current_version FROM ${t.events} x
        WHERE x.stream_id = p_stream_id;
      SELECT coalesce(bool_or(s.deleted_version >= current_version), false) INTO deleted FROM ${t.streams} s
        WHERE s.stream_id = p_stream_id;
      allowed := coalesce(CASE p_expected
        WHEN 'any' THEN true
        WHEN 'no-stream' THEN current_version = 0 OR deleted
        WHEN 'stream-exists' THEN current_version > 0 AND NOT deleted
        WHEN 'exact' THEN current_version = p_version
      END, false);
      IF NOT allowed THEN
        RETURN QUERY SELECT current_version, NULL::bigint, NULL::timestamptz, NULL::text;
        RETURN;
      END IF;
      RETURN QUERY
        WITH e AS (
          INSERT INTO ${t.events} AS ev (stream_id, stream_version, event_id, type, data, metadata)
          SELECT p_stream_id, current_version + i.ord, i.id, i.type, i.data::jsonb, i.metadata::jsonb
          FROM unnest(p_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS i(id, type, data, metadata, ord)
          ORDER BY i.ord
          RETURNING ev.stream_version, ev.recorded_at, ev.global_position
        )
        SELECT current_version, min(e.stream_version), min(e.recorded_at),
          string_agg(e.global_position::text, ',' ORDER BY e.stream_version) FROM e;
    END`
  const tag = dollarTag(body)
  return `
    CREATE FUNCTION ${t.appendFunction}(
      p_stream_id text, p_lock_key text, p_ids uuid[], p_types text[], p_data text[], p_metadata text[],
      p_expected text, p_version bigint
    ) RETURNS TABLE (out_previous_version bigint, out_first_version bigint, out_recorded_at timestamptz, out_positions text)
    LANGUAGE plpgsql VOLATILE AS ${tag}${body}${tag};`
}

/** A dollar-quote tag that does not occur in `body` (schema names are free text). */
function dollarTag(body: string): string {
  for (let i = 0; ; i++) {
    const tag = `$acta${i || ''}$`
    if (!body.includes(tag)) return tag
  }
}

/** The schema version this code writes; the migrations table records what a database holds. */
export const latestSchemaVersion = migrations[migrations.length - 1]!.version

/**
 * Creates the schema and tables, or brings them up to {@link latestSchemaVersion}. Safe when many
 * processes start at once: the work runs in one transaction under a transaction-level advisory
 * lock (no session state, so it works behind a transaction-mode pooler). A database already at a
 * newer version is left alone.
 */
export function migrate(pool: PostgresPool, t: Tables): Promise<void> {
  return runMigrations(pool, {
    schema: t.schema,
    ledger: t.migrations,
    migrations: migrations.map((m) => ({ ...m, sql: m.sql(t) })),
  })
}

/** An append-only list of steps recorded in its own ledger table (quoted, schema-qualified). */
export interface MigrationPlan {
  readonly schema: string
  readonly ledger: string
  readonly migrations: readonly { version: number; name: string; sql: string }[]
}

/** Applies a plan's missing steps; shared by the event store and the coordination tables. */
export async function runMigrations(pool: PostgresPool, plan: MigrationPlan): Promise<void> {
  const latest = plan.migrations[plan.migrations.length - 1]!.version
  try {
    if ((await recordedVersion(pool, plan.ledger)) >= latest) return
    await inTransaction(pool, async (client) => {
      await client.query({
        text: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))',
        values: [`acta.migrate:${plan.schema}`],
      })
      const found = await client.query({
        text: 'SELECT 1 FROM pg_namespace WHERE nspname = $1',
        values: [plan.schema],
      })
      // checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the schema exists
      if (found.rows.length === 0)
        await client.query({ text: `CREATE SCHEMA ${escapeIdentifier(plan.schema)}` })
      await client.query({
        text: `CREATE TABLE IF NOT EXISTS ${plan.ledger} (
          version integer PRIMARY KEY,
          name text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`,
      })
      const current = await recordedVersion(client, plan.ledger)
      for (const migration of plan.migrations) {
        if (migration.version <= current) continue
        await client.query({ text: migration.sql })
        await client.query({
          text: `INSERT INTO ${plan.ledger} (version, name) VALUES ($1, $2)`,
          values: [migration.version, migration.name],
        })
      }
    })
  } catch (error) {
    throw translateError(error, { schema: plan.schema, operation: 'migrate' })
  }
}

async function recordedVersion(db: PostgresQueryable, ledger: string): Promise<number> {
  try {
    const { rows } = await db.query<{ version: number | null }>({
      text: `SELECT max(version) AS version FROM ${ledger}`,
    })
    return rows[0]?.version ?? 0
  } catch (error) {
    // 42P01 undefined table, 3F000 undefined schema: nothing migrated yet
    if (sqlState(error) === '42P01' || sqlState(error) === '3F000') return 0
    throw error
  }
}
