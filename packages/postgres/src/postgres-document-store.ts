import {
  ActaError,
  ValidationError,
  assertCheckpointName,
  assertCollectionName,
  assertPosition,
} from '@acta/core'
import type { DocumentStore, ProjectionCheckpoint } from '@acta/core'
import pg from 'pg'
import { documentCollection } from './document-collection.js'
import { collectionPrefix, collectionTables, documentNames, migrateDocuments } from './document-schema.js'
import { runTransaction } from './document-transaction.js'
import type { PostgresPool } from './pool.js'
import { translateError } from './translate-error.js'

export interface PostgresDocumentStoreOptions {
  /** `postgres://user:password@host:5432/database`; the store opens (and on close, ends) its own pool. */
  connectionString?: string
  /** A pool you own (a `pg.Pool` fits); the store never ends it. */
  pool?: PostgresPool
  /** Schema of the tables (`acta_doc_<collection>`, `acta_projection_checkpoints`, …), created if missing. Defaults to `'public'`. */
  schema?: string
  /**
   * `synchronous_commit` of the store's own pool. Default `'off'`: read models are derived data, and
   * a commit that a server crash loses takes its checkpoint with it (they are one transaction), so
   * the projection replays it; commits then skip the WAL flush wait. `'on'` waits for it.
   * Ignored with `pool` (configure your own pool).
   */
  synchronousCommit?: 'on' | 'off'
}

/** The PostgreSQL document store: the {@link DocumentStore} port plus an explicit start-up step. */
export interface PostgresDocumentStore extends DocumentStore {
  /** The schema the tables live in. */
  readonly schema: string
  /**
   * Connects and migrates the fixed tables; every other method does it on first use.
   *
   * @example
   * await documents.ready() // fail fast at start-up
   */
  ready(): Promise<void>
}

interface CheckpointRow {
  name: string
  position: string
  epoch: string
  updated_at: Date
}

const toCheckpoint = (row: CheckpointRow): ProjectionCheckpoint => ({
  name: row.name,
  position: Number(row.position),
  epoch: Number(row.epoch),
  updatedAt: row.updated_at,
})

/**
 * Read-model documents in PostgreSQL: one JSONB table per collection (created by its first write),
 * expression indexes on the declared fields, and fenced projection checkpoints in the same
 * database, so a projection commits its documents and its checkpoint together. Transactions are a
 * unit of work that flushes its writes in a few multi-row statements.
 *
 * @example
 * const documents = postgresDocumentStore({ connectionString: process.env.ACTA_DATABASE_URL })
 * const { epoch } = await documents.claimCheckpoint('todos@1')
 * await documents.transaction(async (tx) => {
 *   await tx.collection('todos', { indexes: ['owner'] }).put('t-1', { owner: 'ann', done: false })
 *   await tx.saveCheckpoint('todos@1', event.globalPosition, epoch)
 * })
 */
export function postgresDocumentStore(options: PostgresDocumentStoreOptions): PostgresDocumentStore {
  if (!options.pool && !options.connectionString) {
    throw new ValidationError('postgresDocumentStore needs a connectionString or a pool')
  }
  const names = documentNames(options.schema ?? 'public')
  const synchronousCommit = options.synchronousCommit ?? 'off'
  if (synchronousCommit !== 'on' && synchronousCommit !== 'off') {
    throw new ValidationError(`synchronousCommit must be 'on' or 'off', got ${String(synchronousCommit)}`)
  }
  const ownPool = options.pool
    ? undefined
    : new pg.Pool({
        connectionString: options.connectionString,
        options: `-c synchronous_commit=${synchronousCommit}`,
      })
  // an idle client that loses its connection is dropped by the pool; without a listener the error would crash the process
  ownPool?.on('error', () => undefined)
  const pool: PostgresPool = options.pool ?? ownPool!
  const tables = collectionTables(pool, names)

  let closed = false
  let migrated = false
  let migrating: Promise<void> | undefined
  const assertOpen = (): void => {
    if (closed) throw new ActaError('UNAVAILABLE', 'The document store is closed')
  }
  function ready(): Promise<void> {
    if (closed) return Promise.reject(new ActaError('UNAVAILABLE', 'The document store is closed'))
    migrating ??= migrateDocuments(pool, names).then(
      () => void (migrated = true),
      (error: unknown) => {
        migrating = undefined
        throw error
      },
    )
    return migrating
  }
  async function run<T>(work: () => Promise<T>, details?: Record<string, unknown>): Promise<T> {
    assertOpen()
    if (!migrated) await ready()
    try {
      return await work()
    } catch (error) {
      throw translateError(error, details)
    }
  }
  const rows = async <Row>(text: string, values: unknown[] = []): Promise<Row[]> =>
    run(async () => (await pool.query<Row>({ text, values })).rows)
  const context = { pool, names, tables, run }

  const checkpointColumns = 'name, position, epoch, updated_at'
  const claim = async (name: string, position: number | null): Promise<ProjectionCheckpoint> => {
    assertCheckpointName(name)
    if (position !== null) assertPosition(position)
    const [row] = await rows<CheckpointRow>(
      `INSERT INTO ${names.checkpoints} AS c (name, position, epoch) VALUES ($1, coalesce($2::bigint, 0), 1)
       ON CONFLICT (name) DO UPDATE SET position = coalesce($2::bigint, c.position), epoch = c.epoch + 1, updated_at = now()
       RETURNING ${checkpointColumns}`,
      [name, position],
    )
    return toCheckpoint(row!)
  }

  return {
    schema: names.schema,
    ready,

    collection(name, collectionOptions) {
      assertOpen()
      return documentCollection(name, collectionOptions, context)
    },

    async transaction(work) {
      assertOpen()
      if (!migrated) {
        try {
          await ready()
        } catch (error) {
          throw translateError(error)
        }
      }
      return runTransaction({ pool, names, tables }, work)
    },

    async collections() {
      const found = await rows<{ name: string }>(
        `SELECT substr(c.relname, $2) AS name FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
         WHERE s.nspname = $1 AND c.relkind = 'r' AND starts_with(c.relname, $3) ORDER BY c.relname COLLATE "C"`,
        [names.schema, collectionPrefix.length + 1, collectionPrefix],
      )
      return found.map((row) => row.name)
    },

    async dropCollection(name) {
      assertCollectionName(name)
      await rows(`DROP TABLE IF EXISTS ${names.table(name)}`)
      tables.forget(name)
    },

    async loadCheckpoint(name) {
      assertCheckpointName(name)
      const [row] = await rows<CheckpointRow>(
        `SELECT ${checkpointColumns} FROM ${names.checkpoints} WHERE name = $1`,
        [name],
      )
      return row && toCheckpoint(row)
    },

    async checkpoints() {
      return (
        await rows<CheckpointRow>(`SELECT ${checkpointColumns} FROM ${names.checkpoints} ORDER BY name`)
      ).map(toCheckpoint)
    },

    claimCheckpoint: (name) => claim(name, null),

    resetCheckpoint: (name, position = 0) => claim(name, position),

    async deleteCheckpoint(name) {
      assertCheckpointName(name)
      await rows(`DELETE FROM ${names.checkpoints} WHERE name = $1`, [name])
    },

    async activeBuild(projection) {
      assertCheckpointName(projection, 'projection name')
      const [row] = await rows<{ build: string }>(`SELECT build FROM ${names.builds} WHERE projection = $1`, [
        projection,
      ])
      return row ? Number(row.build) : undefined
    },

    async close() {
      if (closed) return
      closed = true
      await migrating?.catch(() => undefined)
      await ownPool?.end()
    },
  }
}
