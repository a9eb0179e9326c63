import { ConcurrencyError, assertDuplicate } from '@acta/core'
import type { AppendResult, ExpectedVersion, PreparedAppend, StoredEvent, StoredMetadata } from '@acta/core'
import { appendStatement, type AppendStatement } from './append-sql.js'
import { expectedVersionKind } from './expected-version.js'
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
  /** The first event's version. */
  stream_version: string | null
  recorded_at: Date | string | null
  /** One position, or comma-separated positions in version order. */
  global_position: string | null
}

export type Appender = (prepared: PreparedAppend) => Promise<AppendResult>

/**
 * Appends a batch in ONE statement: a data-modifying CTE bumps the stream row under its row lock
 * only when the expected version holds, then inserts the events numbered from the previous version.
 * No row back means the expectation failed (or the ids were already stored by a retried append).
 */
export function appender(context: AppendContext): Appender {
  const { pool, tables: t } = context
  const lockKey = (streamId: string): string => `acta:${t.schema}:${streamId}`
  const statements = new Map<string, AppendStatement>()
  const statement = (expected: ExpectedVersion, many: boolean): AppendStatement => {
    const key = `${expectedVersionKind(expected)}:${many}`
    let found = statements.get(key)
    if (!found) statements.set(key, (found = appendStatement(t, expected, many)))
    return found
  }
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
    const many = events.length > 1
    const values: unknown[] = many
      ? [
          streamId,
          lockKey(streamId),
          events.map((e) => e.eventId),
          events.map((e) => e.type),
          events.map((e) => e.dataJson),
          events.map((e) => e.metadataJson),
        ]
      : [
          streamId,
          lockKey(streamId),
          events[0]!.eventId,
          events[0]!.type,
          events[0]!.dataJson,
          events[0]!.metadataJson,
        ]
    if (typeof expectedVersion === 'number') values.push(expectedVersion)
    const query: PostgresQuery = { ...statement(expectedVersion, many), values }
    let rows: AppendedRow[]
    try {
      rows = await run(query)
      // no row back: the expected version did not hold, or the ids were stored by an earlier append
      if (rows[0]?.global_position == null) return await resolveRefusal(prepared)
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
    const row = rows[0]
    const firstVersion = Number(row.stream_version)
    const positions = many ? row.global_position!.split(',') : [row.global_position!]
    const recordedAt = row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at!)
    const stored = events.map((event, i): StoredEvent => ({
      type: event.type,
      data: JSON.parse(event.dataJson) as unknown,
      metadata: JSON.parse(event.metadataJson) as StoredMetadata,
      eventId: event.eventId,
      streamId,
      streamVersion: firstVersion + i,
      globalPosition: Number(positions[i]),
      recordedAt,
    }))
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
