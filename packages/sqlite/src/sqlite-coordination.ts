import { openConnection } from './open-connection.js'
import type { CheckpointStore, InboxStore, LeaseStore } from '@acta/core'
import { ValidationError } from '@acta/core'
import type Database from 'better-sqlite3'
import { migrate, type MigrationLedger } from './schema.js'
import { defaultSqlitePath } from './sqlite-event-store.js'
import { translateSqliteError } from './write-lock.js'

export interface SqliteCoordinationOptions {
  /** Database file, shared with the event store by default. */
  path?: string
  /** A better-sqlite3 database you own; never closed by `close()`. */
  database?: Database.Database
  busyTimeoutMs?: number
}

export interface SqliteCoordination {
  checkpoints: CheckpointStore
  leases: LeaseStore
  inbox: InboxStore
  close(): Promise<void>
}

const ledger: MigrationLedger = {
  table: 'acta_coordination_migrations',
  what: 'coordination schema',
  migrations: [
    {
      version: 1,
      name: 'checkpoints, leases, inbox',
      sql: `
        CREATE TABLE acta_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
        CREATE TABLE acta_leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL) STRICT;
        CREATE TABLE acta_inbox (
          consumer TEXT NOT NULL, message_id TEXT NOT NULL, recorded_at INTEGER NOT NULL,
          PRIMARY KEY (consumer, message_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX acta_inbox_recorded_at ON acta_inbox (recorded_at);`,
    },
  ],
}

/**
 * Checkpoints, leases and the inbox in a SQLite file, shared by the processes of one machine.
 * Each operation is one statement, atomic under SQLite's write lock; lease expiry uses the
 * machine's clock, which every process sharing the file shares.
 *
 * @example
 * const { checkpoints, leases, inbox } = sqliteCoordination({ path: '.acta/acta.db' })
 */
export function sqliteCoordination(options: SqliteCoordinationOptions = {}): SqliteCoordination {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000
  const { db, owned } = openConnection(
    { path: options.path ?? defaultSqlitePath, database: options.database },
    { synchronous: 'NORMAL', busyTimeoutMs },
    (opened) => migrate(opened, ledger),
  )
  const text = (value: unknown, what: string): string => {
    if (typeof value !== 'string' || value.length === 0)
      throw new ValidationError(`A ${what} must be a non-empty string`)
    return value
  }
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

  const loadCheckpoint = db
    .prepare<[string], number>('SELECT position FROM acta_checkpoints WHERE name = ?')
    .pluck()
  const saveCheckpoint = db.prepare<[string, number, number]>(
    `INSERT INTO acta_checkpoints (name, position, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
  )
  const saveFenced = db.prepare<[string, number, number, string, string, number]>(
    `INSERT INTO acta_checkpoints (name, position, updated_at)
     SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM acta_leases WHERE name = ? AND owner = ? AND expires_at > ?)
     ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
  )
  const listCheckpoints = db.prepare<[], { name: string; position: number; updated_at: number }>(
    'SELECT name, position, updated_at FROM acta_checkpoints ORDER BY name',
  )
  const acquire = db.prepare<[string, string, number, number]>(
    `INSERT INTO acta_leases (name, owner, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
     WHERE acta_leases.owner = excluded.owner OR acta_leases.expires_at <= ?`,
  )
  const release = db.prepare<[string, string]>('DELETE FROM acta_leases WHERE name = ? AND owner = ?')
  const holder = db.prepare<[string, number], { owner: string; expires_at: number }>(
    'SELECT owner, expires_at FROM acta_leases WHERE name = ? AND expires_at > ?',
  )
  const listLeases = db.prepare<[number], { name: string; owner: string; expires_at: number }>(
    'SELECT name, owner, expires_at FROM acta_leases WHERE expires_at > ? ORDER BY name',
  )
  const hasMessage = db.prepare<[string, string]>(
    'SELECT 1 FROM acta_inbox WHERE consumer = ? AND message_id = ?',
  )
  const record = db.prepare<[string, string, number]>(
    'INSERT INTO acta_inbox (consumer, message_id, recorded_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  )
  const prune = db.prepare<[number]>('DELETE FROM acta_inbox WHERE recorded_at < ?')

  const checkpoints: CheckpointStore = {
    load: (name) => run(() => loadCheckpoint.get(text(name, 'checkpoint name'))),
    save: (name, position, saveOptions) =>
      run(() => {
        if (!Number.isSafeInteger(position) || position < 0) {
          throw new ValidationError('A checkpoint position must be a non-negative integer', { position })
        }
        const lease = saveOptions?.lease
        const now = Date.now()
        const result = lease
          ? saveFenced.run(text(name, 'checkpoint name'), position, now, lease.name, lease.owner, now)
          : saveCheckpoint.run(text(name, 'checkpoint name'), position, now)
        return result.changes === 1
      }),
    list: () =>
      run(() =>
        listCheckpoints.all().map((row) => ({
          name: row.name,
          position: row.position,
          updatedAt: new Date(row.updated_at),
        })),
      ),
    close: async () => undefined,
  }
  const leases: LeaseStore = {
    acquire: (name, owner, ttlMs) =>
      run(() => {
        if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new ValidationError('A lease needs a positive ttlMs')
        const now = Date.now()
        return (
          acquire.run(text(name, 'lease name'), text(owner, 'lease owner'), now + ttlMs, now).changes === 1
        )
      }),
    release: (name, owner) => run(() => void release.run(name, owner)),
    holder: (name) =>
      run(() => {
        const row = holder.get(name, Date.now())
        return row ? { owner: row.owner, expiresAt: new Date(row.expires_at) } : undefined
      }),
    list: () =>
      run(() =>
        listLeases.all(Date.now()).map((row) => ({
          name: row.name,
          owner: row.owner,
          expiresAt: new Date(row.expires_at),
        })),
      ),
    close: async () => undefined,
  }
  const inbox: InboxStore = {
    has: (consumer, messageId) =>
      run(() => hasMessage.get(text(consumer, 'consumer'), text(messageId, 'message id')) !== undefined),
    record: (consumer, messageId) =>
      run(
        () => record.run(text(consumer, 'consumer'), text(messageId, 'message id'), Date.now()).changes === 1,
      ),
    prune: (olderThan) => run(() => prune.run(olderThan.getTime()).changes),
    close: async () => undefined,
  }
  return {
    checkpoints,
    leases,
    inbox,
    async close() {
      if (owned && db.open) db.close()
    },
  }
}
