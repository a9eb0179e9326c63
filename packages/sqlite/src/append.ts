import type { Database } from 'better-sqlite3'
import { appendResult, assertDuplicate, checkExpectedVersion, isConcurrencyError } from '@acta/core'
import type { AppendResult, PreparedAppend, StoredEvent, StoredMetadata } from '@acta/core'
import { eventColumns, toStoredEvent } from './read.js'
import type { EventRow } from './read.js'

/**
 * The body of an append, run inside an immediate transaction. The fast path is one statement that
 * reads the stream's version and deleted flag, then one insert per event: idempotency rides on the
 * unique index on `event_id` instead of a lookup per append, and ids are only read back when that
 * index or the expected version refuses the write. A faithful retry returns the first result
 * (`duplicate: true`) having written nothing; a partial reuse of ids throws ActaError 'IDEMPOTENCY'
 * and the caller rolls back.
 */
export function appender(db: Database): (append: PreparedAppend) => AppendResult {
  const selectStream = db
    .prepare<[string, string], [number | null, number | null]>(
      `SELECT (SELECT max(stream_version) FROM acta_events WHERE stream_id = ?),
              (SELECT deleted FROM acta_streams WHERE stream_id = ?)`,
    )
    .raw()
  const insertEvent = db.prepare<[string, number, string, string, string, string, number]>(
    `INSERT INTO acta_events (stream_id, stream_version, event_id, type, data, metadata, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  )
  const undelete = db.prepare<[string]>('UPDATE acta_streams SET deleted = 0 WHERE stream_id = ?')
  const selectById = db
    .prepare<[string], EventRow>(`SELECT ${eventColumns} FROM acta_events WHERE event_id = ?`)
    .raw()

  // Only ids from `written` on are looked up: earlier ones were inserted by this transaction.
  // Any id found makes the append a retry (faithful: the first result) or a misuse (IDEMPOTENCY).
  const duplicateOf = (append: PreparedAppend, written: number): AppendResult | undefined => {
    const ids = append.events.map((event) => event.eventId)
    const found = ids.map((id, i) => (i < written ? undefined : selectById.get(id)))
    if (found.every((row) => row === undefined)) return undefined
    return assertDuplicate(
      append.streamId,
      ids,
      found.map((row) => row && toStoredEvent(row)),
    )
  }

  return (append) => {
    const { streamId, events } = append
    const [maxVersion, deletedFlag] = selectStream.get(streamId, streamId)!
    const stream = { version: maxVersion ?? 0, deleted: deletedFlag === 1 }
    try {
      checkExpectedVersion(streamId, append.expectedVersion, stream)
    } catch (error) {
      // a retry of an append that succeeded returns its first result, not a conflict
      const duplicate = isConcurrencyError(error) ? duplicateOf(append, 0) : undefined
      if (duplicate) return duplicate
      throw error
    }
    const recordedAtMs = Date.now()
    const recordedAt = new Date(recordedAtMs)
    const stored: StoredEvent[] = []
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!
      const streamVersion = stream.version + i + 1
      let globalPosition: number
      try {
        const { lastInsertRowid } = insertEvent.run(
          streamId,
          streamVersion,
          event.eventId,
          event.type,
          event.dataJson,
          event.metadataJson,
          recordedAtMs,
        )
        globalPosition = Number(lastInsertRowid)
      } catch (error) {
        const duplicate = isUniqueEventIdViolation(error) ? duplicateOf(append, i) : undefined
        if (duplicate) return duplicate
        throw error
      }
      stored.push({
        type: event.type,
        data: JSON.parse(event.dataJson) as unknown,
        metadata: JSON.parse(event.metadataJson) as StoredMetadata,
        eventId: event.eventId,
        streamId,
        streamVersion,
        globalPosition,
        recordedAt,
      })
    }
    if (stream.deleted) undelete.run(streamId)
    return appendResult(streamId, stored, false)
  }
}

function isUniqueEventIdViolation(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown }
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    typeof message === 'string' &&
    message.includes('acta_events.event_id')
  )
}
