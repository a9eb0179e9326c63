import { openConnection } from './open-connection.js'
import {
  ActaError,
  ValidationError,
  assertCheckpointName,
  assertCollectionName,
  assertPosition,
} from '@acta/core'
import type { DocumentStore, ProjectionCheckpoint } from '@acta/core'
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3'
import { documentCollection, type DocumentScope } from './document-collection.js'
import type { TableScope } from './document-table.js'
import { runTransaction, type TransactionContext } from './document-transaction.js'
import { collectionDdl, collectionPrefix, documentLedger, tableName } from './document-schema.js'
import { migrate } from './schema.js'
import { defaultSqlitePath } from './sqlite-event-store.js'
import { translateSqliteError, writeLock } from './write-lock.js'

export interface SqliteDocumentStoreOptions {
  /** Database file, created with its parent directory if missing. Defaults to the event store's `.acta/acta.db`. */
  path?: string
  /** A better-sqlite3 connection you own; `close()` leaves it open. Share it with no other Acta store. */
  database?: SqliteDatabase
  /** `'NORMAL'` (default) or `'FULL'`, as for the event store. */
  synchronous?: 'NORMAL' | 'FULL'
  /** How long a write waits for another connection's write lock before failing with 'UNAVAILABLE'. Defaults to 5000. */
  busyTimeoutMs?: number
}

interface CheckpointRow {
  name: string
  position: number
  epoch: number
  updated_at: number
}

const toCheckpoint = (row: CheckpointRow): ProjectionCheckpoint => ({
  name: row.name,
  position: row.position,
  epoch: row.epoch,
  updatedAt: new Date(row.updated_at),
})

const maxCachedStatements = 500

/**
 * Read-model documents in a SQLite file, by default the event store's, so projections keep their
 * documents and checkpoints beside the log. No write lock is ever held across an await: a
 * transaction buffers its writes while its work runs and commits them in one synchronous
 * BEGIN IMMEDIATE … COMMIT, failing with 'CONCURRENCY' (nothing written) when a document it read
 * changed meanwhile, so the caller runs it again.
 *
 * @example
 * const documents = sqliteDocumentStore() // .acta/acta.db
 * await documents.transaction(async (tx) => {
 *   await tx.collection('todos', { indexes: ['owner'] }).put('t-1', { owner: 'ann', done: false })
 *   await tx.saveCheckpoint('todos@1', event.globalPosition, epoch)
 * })
 */
export function sqliteDocumentStore(options: SqliteDocumentStoreOptions = {}): DocumentStore {
  const { synchronous = 'NORMAL', busyTimeoutMs = 5000 } = options
  validateOptions(options, synchronous, busyTimeoutMs)
  const { db, owned } = openConnection(
    { path: options.path ?? defaultSqlitePath, database: options.database },
    { synchronous, busyTimeoutMs },
    (opened) => migrate(opened, documentLedger),
  )

  let closed = false
  const assertOpen = (): void => {
    if (closed) throw new ActaError('UNAVAILABLE', 'The document store is closed')
  }
  const lock = writeLock(db, assertOpen)
  const begin = db.prepare('BEGIN IMMEDIATE')
  const rollback = db.prepare('ROLLBACK')
  const cache = new Map<string, Statement>()
  const prepare = (sql: string): Statement => {
    let statement = cache.get(sql)
    if (!statement) {
      if (cache.size >= maxCachedStatements) cache.clear()
      statement = db.prepare(sql)
      if (statement.reader) statement.pluck()
      cache.set(sql, statement)
    }
    return statement
  }
  /** Collections whose table and indexes this connection created or found, keyed by name and indexes. */
  const ensured = new Set<string>()
  const forgetIn = (known: Set<string>, collection: string): void => {
    for (const key of known) if (key.split('\0')[0] === collection) known.delete(key)
  }
  /** A scope whose tables created in a transaction join `ensured` only once it commits. */
  const scopeOf = (created: Set<string>): TableScope => ({
    ensure(collection, indexes) {
      const key = [collection, ...indexes].join('\0')
      if (ensured.has(key) || created.has(key)) return
      db.exec(collectionDdl(collection, indexes))
      created.add(key)
    },
    forget(collection) {
      forgetIn(ensured, collection)
      forgetIn(created, collection)
    },
    prepare,
  })

  const read = <T>(query: () => T): T => {
    assertOpen()
    try {
      return query()
    } catch (error) {
      throw translateSqliteError(error)
    }
  }
  const committed = scopeOf(ensured)
  const outside: DocumentScope = {
    ...committed,
    read: async (query) => read(query),
    write: (work) => lock.write(work),
  }

  const now = Date.now
  const loadRow = db.prepare<[string], CheckpointRow>(
    'SELECT name, position, epoch, updated_at FROM acta_projection_checkpoints WHERE name = ?',
  )
  const allRows = db.prepare<[], CheckpointRow>(
    'SELECT name, position, epoch, updated_at FROM acta_projection_checkpoints ORDER BY name',
  )
  const claimRow = db.prepare<[{ name: string; position: number | null; now: number }], CheckpointRow>(
    `INSERT INTO acta_projection_checkpoints (name, position, epoch, updated_at)
     VALUES (@name, coalesce(@position, 0), 1, @now)
     ON CONFLICT (name) DO UPDATE SET position = coalesce(@position, position), epoch = epoch + 1, updated_at = @now
     RETURNING name, position, epoch, updated_at`,
  )
  const deleteRow = db.prepare<[string]>('DELETE FROM acta_projection_checkpoints WHERE name = ?')
  const saveRow = db.prepare<[number, number, string, number]>(
    'UPDATE acta_projection_checkpoints SET position = ?, updated_at = ? WHERE name = ? AND epoch = ?',
  )
  const buildOf = db
    .prepare<[string], number>('SELECT build FROM acta_active_builds WHERE projection = ?')
    .pluck()
  const setBuild = db.prepare<[string, number, number]>(
    `INSERT INTO acta_active_builds (projection, build, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (projection) DO UPDATE SET build = excluded.build, updated_at = excluded.updated_at`,
  )
  const listTables = db
    .prepare<[number, string], string>(
      "SELECT substr(name, ?) AS collection FROM sqlite_schema WHERE type = 'table' AND name GLOB ? ORDER BY name",
    )
    .pluck()

  const claim = async (name: string, position: number | null): Promise<ProjectionCheckpoint> => {
    assertCheckpointName(name)
    if (position !== null) assertPosition(position)
    return toCheckpoint(await lock.write(() => claimRow.get({ name, position, now: now() })!))
  }

  const transactionContext: TransactionContext = {
    read: (query) => read(() => query(committed)),
    preview(query) {
      const scope = scopeOf(new Set())
      return read(() => {
        begin.run()
        try {
          return query(scope)
        } finally {
          if (db.inTransaction) rollback.run()
        }
      })
    },
    async commit(apply) {
      const created = new Set<string>()
      const scope = scopeOf(created)
      await lock.write(() => apply(scope))
      for (const key of created) ensured.add(key)
    },
    checkpointEpoch: (name) => loadRow.get(name)?.epoch,
    moveCheckpoint: (name, position, epoch) => saveRow.run(position, now(), name, epoch).changes > 0,
    setActiveBuild: (projection, build) => void setBuild.run(projection, build, now()),
  }

  return {
    collection: (name, collectionOptions) => {
      assertOpen()
      return documentCollection(name, collectionOptions, outside)
    },

    async transaction(work) {
      assertOpen()
      return runTransaction(transactionContext, work)
    },

    collections: async () => read(() => listTables.all(collectionPrefix.length + 1, `${collectionPrefix}*`)),

    async dropCollection(name) {
      assertCollectionName(name)
      await lock.write(() => db.exec(`DROP TABLE IF EXISTS ${tableName(name)}`))
      forgetIn(ensured, name)
    },

    async loadCheckpoint(name) {
      assertCheckpointName(name)
      const row = read(() => loadRow.get(name))
      return row && toCheckpoint(row)
    },

    checkpoints: async () => read(() => allRows.all()).map(toCheckpoint),

    claimCheckpoint: (name) => claim(name, null),

    resetCheckpoint: (name, position = 0) => claim(name, position),

    async deleteCheckpoint(name) {
      assertCheckpointName(name)
      await lock.write(() => deleteRow.run(name))
    },

    async activeBuild(projection) {
      assertCheckpointName(projection, 'projection name')
      return read(() => buildOf.get(projection))
    },

    async close() {
      if (closed) return
      closed = true
      if (owned) db.close()
    },
  }
}

function validateOptions(
  options: SqliteDocumentStoreOptions,
  synchronous: unknown,
  busyTimeoutMs: unknown,
): void {
  if (options.path !== undefined && options.database !== undefined) {
    throw new ValidationError('Give sqliteDocumentStore a path or a database, not both')
  }
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
    throw new ValidationError(`synchronous must be 'NORMAL' or 'FULL'`, { synchronous })
  }
  if (!Number.isSafeInteger(busyTimeoutMs) || (busyTimeoutMs as number) < 0) {
    throw new ValidationError('busyTimeoutMs must be a non-negative integer', { busyTimeoutMs })
  }
}
