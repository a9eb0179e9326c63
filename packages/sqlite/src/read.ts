import type { Database } from 'better-sqlite3'
import type {
  ReadStreamOptions,
  ReadStreamResult,
  Snapshot,
  StoredEvent,
  StoredMetadata,
  StreamInfo,
} from '@acta/core'

/** A row of {@link eventColumns}, read with `raw()`: arrays are cheaper than objects per row. */
export type EventRow = [
  globalPosition: number,
  streamId: string,
  streamVersion: number,
  eventId: string,
  type: string,
  data: string,
  metadata: string,
  recordedAt: number,
]

interface StreamRow {
  version: number
  deleted: number | null
  truncate_before: number | null
  metadata: string | null
}

interface SnapshotRow {
  version: number
  schema_version: number
  state: string
  created_at: number
}

export const eventColumns =
  'global_position, stream_id, stream_version, event_id, type, data, metadata, recorded_at'

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    type: row[4],
    data: JSON.parse(row[5]) as unknown,
    metadata: JSON.parse(row[6]) as StoredMetadata,
    eventId: row[3],
    streamId: row[1],
    streamVersion: row[2],
    globalPosition: row[0],
    recordedAt: new Date(row[7]),
  }
}

/** Synchronous read queries, prepared once. Callers validate their arguments first. */
export interface Reader {
  readStream(streamId: string, options: ReadStreamOptions): ReadStreamResult
  /** A page of the global log strictly after `after`, in position order (which is commit order). */
  eventsAfter(after: number, limit: number): StoredEvent[]
  headPosition(): number
  /** The first `limit` events whose metadata names this correlation id, in position order. */
  eventsOfCorrelation(correlationId: string, limit: number): StoredEvent[]
  streamInfo(streamId: string): StreamInfo
  loadSnapshot(streamId: string, maxVersion: number | undefined): Snapshot | undefined
}

export function reader(db: Database): Reader {
  // a stream's version is its newest event's; acta_streams holds only what rarely changes
  const selectStream = db.prepare<[string, string], StreamRow>(
    `SELECT coalesce((SELECT max(stream_version) FROM acta_events WHERE stream_id = ?), 0) AS version,
            s.deleted, s.truncate_before, s.metadata
     FROM (SELECT 1) LEFT JOIN acta_streams AS s ON s.stream_id = ?`,
  )
  // LIMIT -1 means no limit in SQLite
  const forwards = db
    .prepare<[string, number, number], EventRow>(
      `SELECT ${eventColumns} FROM acta_events
       WHERE stream_id = ? AND stream_version >= ? ORDER BY stream_version LIMIT ?`,
    )
    .raw()
  const backwards = db
    .prepare<[string, number, number, number], EventRow>(
      `SELECT ${eventColumns} FROM acta_events
       WHERE stream_id = ? AND stream_version <= ? AND stream_version >= ? ORDER BY stream_version DESC LIMIT ?`,
    )
    .raw()
  const after = db
    .prepare<[number, number], EventRow>(
      `SELECT ${eventColumns} FROM acta_events WHERE global_position > ? ORDER BY global_position LIMIT ?`,
    )
    .raw()
  // the expression is the one of the acta_events_by_correlation index, so the index answers it
  const byCorrelation = db
    .prepare<[string, number], EventRow>(
      `SELECT ${eventColumns} FROM acta_events
       WHERE json_extract(metadata, '$.correlationId') = ? ORDER BY global_position LIMIT ?`,
    )
    .raw()
  const head = db.prepare<[], number | null>('SELECT max(global_position) FROM acta_events').pluck()
  const selectSnapshot = db.prepare<[string, number], SnapshotRow>(
    `SELECT version, schema_version, state, created_at FROM acta_snapshots
     WHERE stream_id = ? AND version <= ? ORDER BY version DESC LIMIT 1`,
  )

  // one read transaction, so the stream row and its events come from the same snapshot
  const readStream = db.transaction((streamId: string, options: ReadStreamOptions): ReadStreamResult => {
    const stream = selectStream.get(streamId, streamId)!
    const { version } = stream
    if (stream.deleted === 1 || version === 0) return { streamId, events: [], version, exists: false }
    const visibleFrom = stream.truncate_before ?? 1
    const limit = options.limit ?? -1
    const rows =
      options.direction === 'backwards'
        ? backwards.all(streamId, options.from ?? version, visibleFrom, limit)
        : forwards.all(streamId, Math.max(options.from ?? 1, visibleFrom), limit)
    return { streamId, events: rows.map(toStoredEvent), version, exists: true }
  })

  return {
    readStream: (streamId, options) => readStream.deferred(streamId, options),
    eventsAfter: (position, limit) => after.all(position, limit).map(toStoredEvent),
    eventsOfCorrelation: (correlationId, limit) => byCorrelation.all(correlationId, limit).map(toStoredEvent),
    headPosition: () => head.get() ?? 0,
    streamInfo(streamId) {
      const stream = selectStream.get(streamId, streamId)!
      const deleted = stream.deleted === 1
      return {
        streamId,
        version: stream.version,
        exists: stream.version > 0 && !deleted,
        deleted,
        truncateBefore: stream.truncate_before ?? undefined,
        metadata: stream.metadata === null ? {} : (JSON.parse(stream.metadata) as Record<string, unknown>),
      }
    },
    loadSnapshot(streamId, maxVersion) {
      const row = selectSnapshot.get(streamId, maxVersion ?? Number.MAX_SAFE_INTEGER)
      if (!row) return undefined
      return {
        version: row.version,
        state: JSON.parse(row.state) as unknown,
        schemaVersion: row.schema_version,
        createdAt: new Date(row.created_at),
      }
    },
  }
}
