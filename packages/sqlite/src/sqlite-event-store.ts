import { openConnection } from './open-connection.js'
import type { Database as SqliteDatabase } from 'better-sqlite3'
import {
  ActaError,
  ValidationError,
  assertStreamId,
  checkExpectedVersion,
  normalizeExpectedVersion,
  logSubscription,
  prepareAppend,
  readAllPages,
  validateCorrelationRead,
  toJson,
  validateReadStreamOptions,
  validateSnapshot,
} from '@acta/core'
import type { AppendResult, EventStore, Snapshot } from '@acta/core'
import { appender } from './append.js'
import { reader } from './read.js'
import { migrate } from './schema.js'
import { CrossProcessSignal } from './subscribe.js'
import { translateSqliteError, writeLock } from './write-lock.js'

export interface SqliteEventStoreOptions {
  /** Database file, created with its parent directory if missing. Defaults to `.acta/acta.db`. */
  path?: string
  /** A better-sqlite3 connection the caller already has; the store then leaves it open on `close()`. */
  database?: SqliteDatabase
  /**
   * `'NORMAL'` (default): in WAL mode a commit survives a process crash but the last commits may be
   * lost on power failure or an OS crash. `'FULL'`: every commit is synced to disk before it returns.
   */
  synchronous?: 'NORMAL' | 'FULL'
  /** Period of the check for commits by other processes while someone subscribes. Defaults to 5 ms. */
  pollIntervalMs?: number
  /** How long a writer waits for another process's write lock before failing with 'UNAVAILABLE'. Defaults to 5000. */
  busyTimeoutMs?: number
  /** Fault injection: awaited inside every append's transaction just before COMMIT. */
  beforeCommit?: () => Promise<void>
}

export const defaultSqlitePath = '.acta/acta.db'

/**
 * An event store in one SQLite file, shared by every process on the machine that opens it.
 * Writers are serialized by SQLite's write lock, so global positions are in commit order.
 *
 * @example
 * const store = sqliteEventStore({ path: '.acta/acta.db' })
 * await store.append('cart-1', [{ type: 'ItemAdded', data: { sku: 'a' } }], { expectedVersion: 'no-stream' })
 * await store.close()
 */
export function sqliteEventStore(options: SqliteEventStoreOptions = {}): EventStore {
  const { synchronous = 'NORMAL', busyTimeoutMs = 5000, pollIntervalMs = 5 } = options
  validateOptions(options, synchronous, busyTimeoutMs, pollIntervalMs)
  const { db, owned } = openConnection(
    { path: options.path ?? defaultSqlitePath, database: options.database },
    { synchronous, busyTimeoutMs },
    (opened) => migrate(opened),
  )

  let closed = false
  const assertOpen = (): void => {
    if (closed) throw new ActaError('UNAVAILABLE', 'The event store is closed')
  }
  const lock = writeLock(db, assertOpen)
  const appendEvents = appender(db)
  const read = reader(db)
  const changes = new CrossProcessSignal(db, pollIntervalMs)

  const upsertTruncate = db.prepare<[string, number]>(
    `INSERT INTO acta_streams (stream_id, truncate_before) VALUES (?, ?)
     ON CONFLICT (stream_id) DO UPDATE SET truncate_before = excluded.truncate_before`,
  )
  const upsertMetadata = db.prepare<[string, string]>(
    `INSERT INTO acta_streams (stream_id, metadata) VALUES (?, ?)
     ON CONFLICT (stream_id) DO UPDATE SET metadata = excluded.metadata`,
  )
  const markDeleted = db.prepare<[string, number]>(
    `INSERT INTO acta_streams (stream_id, deleted, truncate_before) VALUES (?, 1, ?)
     ON CONFLICT (stream_id) DO UPDATE SET deleted = 1, truncate_before = excluded.truncate_before`,
  )
  const upsertSnapshot = db.prepare<[string, number, number, string, number]>(
    `INSERT INTO acta_snapshots (stream_id, version, schema_version, state, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (stream_id, version) DO UPDATE
     SET schema_version = excluded.schema_version, state = excluded.state, created_at = excluded.created_at`,
  )

  // Reads wait while an append holds its transaction open across `beforeCommit`: on this
  // connection they would see its uncommitted rows.
  const reading = async <T>(query: () => T): Promise<T> => {
    assertOpen()
    while (lock.held) await lock.idle()
    assertOpen()
    try {
      return query()
    } catch (error) {
      throw translateSqliteError(error)
    }
  }
  const fetchAfter = (after: number, limit: number) => reading(() => read.eventsAfter(after, limit))

  return {
    async append(streamId, events, appendOptions): Promise<AppendResult> {
      assertOpen()
      const prepared = prepareAppend(streamId, events, appendOptions)
      const result = await lock.write(() => appendEvents(prepared), options.beforeCommit)
      if (!result.duplicate) changes.notify()
      return result
    },

    async readStream(streamId, readOptions = {}) {
      assertOpen()
      assertStreamId(streamId)
      validateReadStreamOptions(readOptions)
      return reading(() => read.readStream(streamId, readOptions))
    },

    readAll: (readOptions) => readAllPages(fetchAfter, readOptions),

    async readByCorrelation(correlationId, readOptions) {
      assertOpen()
      const limit = validateCorrelationRead(correlationId, readOptions)
      return reading(() => read.eventsOfCorrelation(correlationId, limit))
    },

    subscribe: (subscribeOptions) => logSubscription(fetchAfter, changes, subscribeOptions),

    headPosition: () => reading(() => read.headPosition()),

    async streamInfo(streamId) {
      assertOpen()
      assertStreamId(streamId)
      return reading(() => read.streamInfo(streamId))
    },

    async deleteStream(streamId, deleteOptions) {
      assertOpen()
      assertStreamId(streamId)
      const expected = normalizeExpectedVersion(deleteOptions?.expectedVersion)
      await lock.write(() => {
        const { version, deleted } = read.streamInfo(streamId)
        checkExpectedVersion(streamId, expected, { version, deleted })
        // once recreated, only events appended after the deletion are visible
        if (version > 0) markDeleted.run(streamId, version + 1)
      })
    },

    async truncateStream(streamId, before) {
      assertOpen()
      assertStreamId(streamId)
      if (!Number.isSafeInteger(before) || before < 1) {
        throw new ValidationError('truncateStream needs a positive integer version', { streamId, before })
      }
      await lock.write(() => upsertTruncate.run(streamId, before))
    },

    async setStreamMetadata(streamId, metadata) {
      assertOpen()
      assertStreamId(streamId)
      if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
        throw new ValidationError('Stream metadata must be an object', { streamId })
      }
      const json = toJson(metadata, 'stream metadata', streamId)
      await lock.write(() => upsertMetadata.run(streamId, json))
    },

    async saveSnapshot(streamId, snapshot) {
      assertOpen()
      assertStreamId(streamId)
      const { version, schemaVersion, stateJson } = validateSnapshot(streamId, snapshot)
      await lock.write(() => upsertSnapshot.run(streamId, version, schemaVersion, stateJson, Date.now()))
    },

    async loadSnapshot<State>(streamId: string, loadOptions: { maxVersion?: number } = {}) {
      assertOpen()
      assertStreamId(streamId)
      return reading(() => read.loadSnapshot(streamId, loadOptions.maxVersion) as Snapshot<State> | undefined)
    },

    async close() {
      if (closed) return
      closed = true
      while (lock.held) await lock.idle()
      changes.close()
      if (owned) db.close()
      // subscribers wake, find the store closed and end with 'UNAVAILABLE', as with the memory store
      changes.notify()
    },
  }
}

function validateOptions(
  options: SqliteEventStoreOptions,
  synchronous: unknown,
  busyTimeoutMs: unknown,
  pollIntervalMs: unknown,
): void {
  if (options.path !== undefined && options.database !== undefined) {
    throw new ValidationError('Give sqliteEventStore a path or a database, not both')
  }
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
    throw new ValidationError(`synchronous must be 'NORMAL' or 'FULL'`, { synchronous })
  }
  if (!Number.isSafeInteger(busyTimeoutMs) || (busyTimeoutMs as number) < 0) {
    throw new ValidationError('busyTimeoutMs must be a non-negative integer', { busyTimeoutMs })
  }
  if (typeof pollIntervalMs !== 'number' || !(pollIntervalMs > 0) || !Number.isFinite(pollIntervalMs)) {
    throw new ValidationError('pollIntervalMs must be a positive number', { pollIntervalMs })
  }
}
