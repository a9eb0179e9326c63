import type { ReadStreamOptions, ReadStreamResult, StoredEvent, StoredMetadata } from '@acta/core'
import type { PostgresQueryable } from './pool.js'
import type { Tables } from './schema.js'

/** An acta_events row as selected by {@link eventColumns}. */
export interface EventRow {
  global_position: string | number
  stream_id: string
  stream_version: string | number
  event_id: string
  type: string
  data: string
  metadata: string
  recorded_at: Date | string
}

/** JSON columns are selected as text and parsed here, so user type parsers on the pool cannot change them. */
export function eventColumns(alias: string): string {
  return `${alias}.global_position, ${alias}.stream_id, ${alias}.stream_version, ${alias}.event_id, ${alias}.type,
    ${alias}.data::text AS data, ${alias}.metadata::text AS metadata, ${alias}.recorded_at`
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    type: row.type,
    data: JSON.parse(row.data) as unknown,
    metadata: JSON.parse(row.metadata) as StoredMetadata,
    eventId: row.event_id,
    streamId: row.stream_id,
    streamVersion: Number(row.stream_version),
    globalPosition: Number(row.global_position),
    recordedAt: row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at),
  }
}

/**
 * One row: the state of stream $1. Its version is its newest event's (0 without events), read from
 * the (stream_id, stream_version) index; acta_streams holds a row only for a stream that was
 * deleted, truncated or given metadata. A stream is deleted while its version is still the one it
 * was deleted at: appending to it again un-deletes it without writing acta_streams.
 */
export function streamStateSql(t: Tables): string {
  return `SELECT v.version, coalesce(s.deleted_version >= v.version, false) AS deleted, s.truncate_before,
      s.metadata
    FROM (SELECT coalesce(max(x.stream_version), 0) AS version FROM ${t.events} x WHERE x.stream_id = $1) v
    LEFT JOIN ${t.streams} s ON s.stream_id = $1`
}

/**
 * Rows visible to log readers: written by transactions older than every transaction still running
 * (`tx_id < xmin`). Those transactions have all ended, so no row can later appear before them in
 * (tx_id, global_position) order: the log order. Positions are taken at insert but committed in any
 * order, so a later position may precede an earlier one in the log.
 */
const visible = (alias: string): string => `${alias}.tx_id < pg_snapshot_xmin(pg_current_snapshot())`

export interface LogReader {
  /** Up to `limit` events strictly after the event at `after` in log order (0: from the start). */
  fetchAfter(db: PostgresQueryable, after: number, limit: number): Promise<StoredEvent[]>
  /**
   * {@link fetchAfter} for subscriptions, which also learn whether committed events are held back
   * by an older transaction still running: nobody will NOTIFY when that one ends, so they re-read soon.
   */
  fetchLive(
    db: PostgresQueryable,
    after: number,
    limit: number,
  ): Promise<{ events: StoredEvent[]; heldBack: boolean }>
  headPosition(db: PostgresQueryable): Promise<number>
  /** The first `limit` visible events whose metadata names this correlation id, in log order. */
  eventsOfCorrelation(db: PostgresQueryable, correlationId: string, limit: number): Promise<StoredEvent[]>
  readStream(db: PostgresQueryable, streamId: string, options: ReadStreamOptions): Promise<ReadStreamResult>
}

export function logReader(t: Tables): LogReader {
  // The checkpoint names an event: its (tx_id, global_position) is looked up by primary key, and the
  // row comparison stays an index condition. An unknown position (0, or one from elsewhere) falls
  // back to "every visible event with a higher position"; only one branch ever returns rows.
  const pageSql = `
      (SELECT e.tx_id AS log_tx, ${eventColumns('e')} FROM ${t.events} e
        WHERE ${visible('e')}
          AND (e.tx_id, e.global_position) > ((SELECT a.tx_id FROM ${t.events} a WHERE a.global_position = $1), $1::bigint)
        ORDER BY e.tx_id, e.global_position LIMIT $2)
      UNION ALL
      (SELECT e.tx_id AS log_tx, ${eventColumns('e')} FROM ${t.events} e
        WHERE NOT EXISTS (SELECT FROM ${t.events} a WHERE a.global_position = $1)
          AND ${visible('e')} AND e.global_position > $1
        ORDER BY e.tx_id, e.global_position LIMIT $2)`
  const fetchAfterSql = `SELECT * FROM (${pageSql}) page ORDER BY log_tx, global_position`
  // the same page, plus whether committed events wait behind an older running transaction
  const fetchLiveSql = `
    SELECT hb.held_back, page.* FROM (
      -- ORDER BY + LIMIT keeps this an index probe even before the table has statistics
      SELECT (SELECT h.tx_id FROM ${t.events} h WHERE h.tx_id >= pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY h.tx_id LIMIT 1) IS NOT NULL AS held_back
    ) hb LEFT JOIN (${pageSql}) page ON true
    ORDER BY page.log_tx, page.global_position`
  const headSql = `SELECT e.global_position FROM ${t.events} e WHERE ${visible('e')}
    ORDER BY e.tx_id DESC, e.global_position DESC LIMIT 1`
  // the expression is the one of the acta_events_by_correlation index, so the index answers it
  const correlationSql = `SELECT ${eventColumns('e')} FROM ${t.events} e
    WHERE (e.metadata->>'correlationId') = $1 AND ${visible('e')}
    ORDER BY e.tx_id, e.global_position LIMIT $2`
  const streamSql = (backwards: boolean): string => `
    SELECT c.version AS current_version, c.deleted AS current_deleted, e.*
    FROM (${streamStateSql(t)}) c LEFT JOIN LATERAL (
      SELECT ${eventColumns('x')} FROM ${t.events} x
      WHERE x.stream_id = $1 AND NOT c.deleted
        AND x.stream_version >= coalesce(c.truncate_before, 0)
        AND x.stream_version ${backwards ? '<=' : '>='} $2
      ORDER BY x.stream_version ${backwards ? 'DESC' : 'ASC'} LIMIT $3
    ) e ON true`
  const forwardsSql = streamSql(false)
  const backwardsSql = streamSql(true)

  return {
    async fetchAfter(db, after, limit) {
      const { rows } = await db.query<EventRow>({
        name: `${t.statementPrefix}fetch_after`,
        text: fetchAfterSql,
        values: [after, limit],
      })
      return rows.map(toStoredEvent)
    },

    async fetchLive(db, after, limit) {
      const { rows } = await db.query<Partial<EventRow> & { held_back: boolean }>({
        name: `${t.statementPrefix}fetch_live`,
        text: fetchLiveSql,
        values: [after, limit],
      })
      const heldBack = rows[0]?.held_back ?? false
      const events = rows[0]?.event_id == null ? [] : rows.map((row) => toStoredEvent(row as EventRow))
      return { events, heldBack }
    },

    async headPosition(db) {
      const { rows } = await db.query<{ global_position: string }>({
        name: `${t.statementPrefix}head`,
        text: headSql,
      })
      return rows.length === 0 ? 0 : Number(rows[0]!.global_position)
    },

    async eventsOfCorrelation(db, correlationId, limit) {
      const { rows } = await db.query<EventRow>({
        name: `${t.statementPrefix}by_correlation`,
        text: correlationSql,
        values: [correlationId, limit],
      })
      return rows.map(toStoredEvent)
    },

    async readStream(db, streamId, options) {
      const backwards = options.direction === 'backwards'
      const from = options.from ?? (backwards ? Number.MAX_SAFE_INTEGER : 1)
      const { rows } = await db.query<
        Partial<EventRow> & { current_version: string; current_deleted: boolean }
      >({
        name: `${t.statementPrefix}read_stream_${backwards ? 'backwards' : 'forwards'}`,
        text: backwards ? backwardsSql : forwardsSql,
        values: [streamId, from, options.limit ?? null],
      })
      const first = rows[0]!
      const version = Number(first.current_version)
      if (first.current_deleted) return { streamId, events: [], version, exists: false }
      const events = first.event_id === null ? [] : rows.map((row) => toStoredEvent(row as EventRow))
      return { streamId, events, version, exists: version > 0 }
    },
  }
}
