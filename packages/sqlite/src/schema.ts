import type { Database } from 'better-sqlite3'
import { ActaError } from '@acta/core'
import { isBusy, translateSqliteError } from './write-lock.js'

export interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

/**
 * The schema, as an append-only list: a released migration is never edited, a change is a new
 * entry. `acta_schema_migrations` records which ones a database file has applied.
 *
 * An append writes the event row and its two index entries and nothing else, because the pages
 * written per commit are most of an append's cost:
 * - A stream's version is `max(stream_version)` of its events (one seek in the unique index), not a
 *   counter in `acta_streams`; that table only holds what changes rarely: the deleted flag,
 *   `truncate_before` and user metadata.
 * - `global_position` is a plain INTEGER PRIMARY KEY, so SQLite assigns max + 1. AUTOINCREMENT
 *   would add a `sqlite_sequence` write to every commit only to protect against reuse after the
 *   newest row is deleted, and triggers make `acta_events` append-only instead: deleting and
 *   truncating streams only hide events. Whatever ever needs to remove events must keep the newest
 *   row or rebuild the table with AUTOINCREMENT.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'event store',
    sql: `
      CREATE TABLE acta_streams (
        stream_id TEXT PRIMARY KEY,
        deleted INTEGER NOT NULL DEFAULT 0,
        truncate_before INTEGER,
        metadata TEXT NOT NULL DEFAULT '{}'
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE acta_events (
        global_position INTEGER PRIMARY KEY,
        stream_id TEXT NOT NULL,
        stream_version INTEGER NOT NULL,
        event_id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        metadata TEXT NOT NULL,
        recorded_at INTEGER NOT NULL,
        UNIQUE (stream_id, stream_version)
      ) STRICT;

      CREATE TRIGGER acta_events_no_delete BEFORE DELETE ON acta_events
      BEGIN SELECT RAISE(ABORT, 'acta_events is append-only: delete or truncate the stream instead'); END;

      CREATE TRIGGER acta_events_no_update BEFORE UPDATE ON acta_events
      BEGIN SELECT RAISE(ABORT, 'acta_events is append-only'); END;

      CREATE TABLE acta_snapshots (
        stream_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        schema_version INTEGER NOT NULL,
        state TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (stream_id, version)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'index of events by correlation id',
    // readByCorrelation's index. Every index entry also holds the rowid (global_position), so the
    // entries of one correlation come in log order. Events without a correlation id are left out.
    sql: `
      CREATE INDEX acta_events_by_correlation ON acta_events (json_extract(metadata, '$.correlationId'))
      WHERE json_extract(metadata, '$.correlationId') IS NOT NULL;
    `,
  },
]

export const schemaVersion = migrations[migrations.length - 1]!.version

export interface ConnectionSettings {
  synchronous: 'NORMAL' | 'FULL'
  busyTimeoutMs: number
}

/** Per-connection settings, then WAL (persistent in the file, so only the first opener switches it). */
export function configureConnection(db: Database, settings: ConnectionSettings): void {
  db.pragma(`busy_timeout = ${settings.busyTimeoutMs}`)
  if (!db.memory) {
    const deadline = Date.now() + settings.busyTimeoutMs
    // Switching a fresh file to WAL can report SQLITE_BUSY without consulting the busy handler
    // when another process is switching it at the same moment, so retry here until the deadline.
    for (;;) {
      try {
        if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL')
        break
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw translateSqliteError(error)
        sleepSync(5)
      }
    }
  }
  db.pragma(`synchronous = ${settings.synchronous}`)
}

/** A list of migrations and the table that records which of them a file has applied. */
export interface MigrationLedger {
  readonly table: string
  readonly migrations: readonly Migration[]
  /** Names the schema in the error for a file migrated by a newer version, e.g. `'schema'`. */
  readonly what: string
}

/** The event store's migrations. */
export const eventStoreLedger: MigrationLedger = {
  table: 'acta_schema_migrations',
  migrations,
  what: 'schema',
}

/**
 * Brings the file to the ledger's newest version (the event store's by default). Safe when several
 * processes open a fresh file at once: the check is repeated under BEGIN IMMEDIATE, so exactly one
 * of them applies and records each step.
 */
export function migrate(db: Database, ledger: MigrationLedger = eventStoreLedger): void {
  const newest = ledger.migrations[ledger.migrations.length - 1]!.version
  if (appliedVersion(db, ledger) === newest) return
  try {
    db.transaction(() => {
      db.exec(`CREATE TABLE IF NOT EXISTS ${ledger.table} (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at INTEGER NOT NULL
      ) STRICT`)
      const applied = appliedVersion(db, ledger)
      const record = db.prepare(`INSERT INTO ${ledger.table} (version, name, applied_at) VALUES (?, ?, ?)`)
      for (const migration of ledger.migrations) {
        if (migration.version <= applied) continue
        db.exec(migration.sql)
        record.run(migration.version, migration.name, Date.now())
      }
    }).immediate()
  } catch (error) {
    throw translateSqliteError(error)
  }
}

/** The newest migration recorded in the file; 0 for a fresh file. Refuses a file from a newer Acta. */
function appliedVersion(db: Database, ledger: MigrationLedger): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?")
    .pluck()
    .get(ledger.table)
  if (table === undefined) return 0
  const version = (db.prepare(`SELECT max(version) FROM ${ledger.table}`).pluck().get() as number | null) ?? 0
  const supported = ledger.migrations[ledger.migrations.length - 1]!.version
  if (version > supported) {
    throw new ActaError(
      'UNAVAILABLE',
      `The database ${db.name} has ${ledger.what} version ${version}, newer than this @acta/sqlite (${supported})`,
      { details: { path: db.name, version, supported } },
    )
  }
  return version
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}
