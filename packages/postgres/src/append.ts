import { ConcurrencyError, assertDuplicate } from '@acta/core'
import type { AppendResult, PreparedAppend, StoredEvent, StoredMetadata } from '@acta/core'
import { allowsNewStream, expectedVersionCondition, expectedVersionParams } from './expected-version.js'
import type { PostgresPool, PostgresQuery } from './pool.js'
import { eventColumns, toStoredEvent, type EventRow } from './read.js'
import type { Tables } from './schema.js'
import { sqlState, translateError } from './translate-error.js'

export interface AppendContext {
  readonly pool: PostgresPool
  readonly tables: Tables
  readonly beforeCommit: (() => Promise<void>) | undefined
}

interface AppendedRow {
  global_position: string
  stream_version: string
  recorded_at: Date | string
}

export type Appender = (prepared: PreparedAppend) => Promise<AppendResult>

/**
 * Appends a batch in ONE statement: a data-modifying CTE bumps the stream row under its row lock
 * only when the expected version holds, then inserts the events numbered from the previous version.
 * No row back means the expectation failed (or the ids were already stored by a retried append).
 */
export function appender(context: AppendContext): Appender {
  const { pool, tables: t } = context
  const condition = expectedVersionCondition('$3::text', '$4::bigint')
  // The log order is (tx_id, global_position), and an xid is assigned at a transaction's first write,
  // which can come before the wait for a stream's row lock. Appends to one stream therefore first
  // queue on an advisory lock (it needs no xid): whoever writes a stream later also gets a later xid,
  // so each stream's versions ascend in log order.
  const lock = `stream_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(hashtextextended($9::text, 0)))`
  // $1 stream id, $2 event count, $3/$4 expected version, $5..$8 the events as parallel arrays, $9 the lock key
  const insertEvents = `
    e AS (
      INSERT INTO ${t.events} (stream_id, stream_version, event_id, type, data, metadata)
      SELECT $1::text, s.prev + i.ord, i.id, i.type, i.data::jsonb, i.metadata::jsonb
      FROM s CROSS JOIN unnest($5::uuid[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS i(id, type, data, metadata, ord)
      ORDER BY i.ord
      RETURNING global_position, stream_version, recorded_at
    )
    SELECT global_position, stream_version, recorded_at FROM e ORDER BY stream_version`
  // upsert: the stream may not exist yet ('any', 'no-stream')
  const upsertSql = `
    WITH ${lock}, s AS (
      INSERT INTO ${t.streams} AS s (stream_id, version) SELECT $1::text, $2::bigint FROM stream_lock
      ON CONFLICT (stream_id) DO UPDATE SET version = s.version + $2::bigint, deleted = false
      WHERE ${condition}
      RETURNING s.version - $2::bigint AS prev
    ), ${insertEvents}`
  // update: the expectation needs an existing stream ('stream-exists', a version)
  const updateSql = `
    WITH ${lock}, s AS (
      UPDATE ${t.streams} AS s SET version = s.version + $2::bigint, deleted = false FROM stream_lock
      WHERE s.stream_id = $1::text AND ${condition}
      RETURNING s.version - $2::bigint AS prev
    ), ${insertEvents}`
  const findSql = `SELECT ${eventColumns('e')} FROM ${t.events} e WHERE e.event_id = ANY($1::uuid[])`
  const versionSql = `SELECT version FROM ${t.streams} WHERE stream_id = $1`

  async function run(query: PostgresQuery): Promise<AppendedRow[]> {
    if (!context.beforeCommit) return (await pool.query<AppendedRow>(query)).rows
    const client = await pool.connect()
    let broken: Error | undefined
    try {
      await client.query({ text: 'BEGIN' })
      try {
        const { rows } = await client.query<AppendedRow>(query)
        await context.beforeCommit()
        await client.query({ text: 'COMMIT' })
        return rows
      } catch (error) {
        await client.query({ text: 'ROLLBACK' }).catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError))
        })
        throw error
      }
    } finally {
      client.release(broken)
    }
  }

  async function duplicates(prepared: PreparedAppend): Promise<AppendResult | undefined> {
    const ids = prepared.events.map((e) => e.eventId)
    const { rows } = await pool.query<EventRow>({
      name: `${t.statementPrefix}find_ids`,
      text: findSql,
      values: [ids],
    })
    if (rows.length === 0) return undefined
    const byId = new Map(rows.map((row) => [row.event_id, toStoredEvent(row)]))
    return assertDuplicate(
      prepared.streamId,
      ids,
      ids.map((id) => byId.get(id)),
    )
  }

  /** After a refusal: a faithful retry returns the first result, anything else is a conflict. */
  async function resolveRefusal(prepared: PreparedAppend, cause?: unknown): Promise<AppendResult> {
    const duplicate = await duplicates(prepared)
    if (duplicate) return duplicate
    const { rows } = await pool.query<{ version: string }>({
      name: `${t.statementPrefix}stream_version`,
      text: versionSql,
      values: [prepared.streamId],
    })
    throw new ConcurrencyError(
      prepared.streamId,
      prepared.expectedVersion,
      Number(rows[0]?.version ?? 0),
      cause,
    )
  }

  return async (prepared) => {
    const { streamId, expectedVersion, events } = prepared
    const upsert = allowsNewStream(expectedVersion)
    const [mode, version] = expectedVersionParams(expectedVersion)
    const query: PostgresQuery = {
      name: `${t.statementPrefix}append_${upsert ? 'upsert' : 'update'}`,
      text: upsert ? upsertSql : updateSql,
      values: [
        streamId,
        events.length,
        mode,
        version,
        events.map((e) => e.eventId),
        events.map((e) => e.type),
        events.map((e) => e.dataJson),
        events.map((e) => e.metadataJson),
        `acta:${t.schema}:${streamId}`,
      ],
    }
    let rows: AppendedRow[]
    try {
      rows = await run(query)
      // no row back: the expected version did not hold, or the ids were stored by an earlier append
      if (rows.length === 0) return await resolveRefusal(prepared)
    } catch (error) {
      // 23505 on event_id: a retry of an earlier append (or a misuse of its ids). A clash on
      // (stream_id, stream_version) cannot happen under the stream row lock; it would read as a conflict.
      if (sqlState(error) !== '23505') throw translateError(error, { streamId })
      try {
        return await resolveRefusal(prepared, error)
      } catch (refusal) {
        throw translateError(refusal, { streamId })
      }
    }
    const stored = rows.map((row, i): StoredEvent => {
      const event = events[i]!
      return {
        type: event.type,
        data: JSON.parse(event.dataJson) as unknown,
        metadata: JSON.parse(event.metadataJson) as StoredMetadata,
        eventId: event.eventId,
        streamId,
        streamVersion: Number(row.stream_version),
        globalPosition: Number(row.global_position),
        recordedAt: row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at),
      }
    })
    const last = stored[stored.length - 1]!
    return {
      streamId,
      version: last.streamVersion,
      position: last.globalPosition,
      events: stored,
      duplicate: false,
    }
  }
}
