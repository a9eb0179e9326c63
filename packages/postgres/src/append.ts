import { ConcurrencyError, appendResult, assertDuplicate } from '@acta/core'
import type { AppendResult, PreparedAppend, StoredEvent, StoredMetadata } from '@acta/core'
import { appendStatement, decideStatement, type AppendStatement } from './append-sql.js'
import { inTransaction, type PostgresPool, type PostgresQuery } from './pool.js'
import { eventColumns, toStoredEvent, type EventRow } from './read.js'
import { streamLockKey, type Tables } from './schema.js'
import { sqlState, translateError } from './translate-error.js'

export interface AppendContext {
  readonly pool: PostgresPool
  readonly tables: Tables
  readonly beforeCommit: (() => Promise<void>) | undefined
}

interface AppendedRow {
  /** The first event's version (absent when the expectation was an exact version: it is known). */
  stream_version?: string | null
  recorded_at: Date | string | null
  /** One position, or comma-separated positions in version order. */
  global_position: string | null
  /** The stream's version before the append (the deciding function only). */
  previous_version?: string | null
}

export type Appender = (prepared: PreparedAppend) => Promise<AppendResult>

/** Deciding appends in a row that lose a race to one-statement appends before giving up. */
const maxDecideAttempts = 100

/**
 * Appends a batch in ONE statement that writes only acta_events: the expectation is checked
 * against the newest version in the events index, and the unique (stream_id, stream_version)
 * index refuses a version another append took first. 'stream-exists', and an append the one
 * statement refused or that lost a race, goes to the `acta_append` function, which decides under
 * the stream's advisory lock with a fresh view. Before that, a refused append whose event ids
 * are all stored already is answered as the retry it is.
 */
export function appender(context: AppendContext): Appender {
  const { pool, tables: t } = context
  // one prepared statement per expectation kind and batch shape (undefined: 'stream-exists')
  const one = {
    any: [appendStatement(t, 'any', false), appendStatement(t, 'any', true)],
    noStream: [appendStatement(t, 'no-stream', false), appendStatement(t, 'no-stream', true)],
    exact: [appendStatement(t, 1, false), appendStatement(t, 1, true)],
  }
  const decide = decideStatement(t)
  const findSql = `SELECT ${eventColumns('e')} FROM ${t.events} e WHERE e.event_id = ANY($1::uuid[])`

  /** A statement in autocommit, or (test-only `beforeCommit`) in a transaction that waits before COMMIT. */
  async function run(query: PostgresQuery): Promise<AppendedRow[]> {
    if (!context.beforeCommit) return (await pool.query<AppendedRow>(query)).rows
    const { beforeCommit } = context
    return inTransaction(pool, async (client) => {
      const { rows } = await client.query<AppendedRow>(query)
      await beforeCommit()
      return rows
    })
  }

  /** The one-statement append for this expectation and batch shape, with its parameters. */
  function oneStatement(prepared: PreparedAppend): PostgresQuery | undefined {
    const { streamId, expectedVersion: expected, events } = prepared
    const many = events.length > 1
    const statement: AppendStatement | undefined = (
      typeof expected === 'number'
        ? one.exact
        : expected === 'any'
          ? one.any
          : expected === 'no-stream'
            ? one.noStream
            : []
    )[many ? 1 : 0]
    if (!statement) return undefined
    const first = events[0]!
    const values: unknown[] = many
      ? [
          streamId,
          events.map((e) => e.eventId),
          events.map((e) => e.type),
          events.map((e) => e.dataJson),
          events.map((e) => e.metadataJson),
        ]
      : [streamId, first.eventId, first.type, first.dataJson, first.metadataJson]
    if (typeof expected === 'number') values.push(expected)
    return { name: statement.name, text: statement.text, values }
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

  /**
   * The deciding append: it appends, or returns the actual version. It can still lose a race to a
   * one-statement append (which does not queue on the lock): a unique violation, `raced`.
   */
  async function decideOnce(
    prepared: PreparedAppend,
  ): Promise<{ row?: AppendedRow; actual?: number; raced?: unknown }> {
    const { streamId, expectedVersion, events } = prepared
    const exact = typeof expectedVersion === 'number'
    try {
      const [row] = await run({
        name: decide.name,
        text: decide.text,
        values: [
          streamId,
          streamLockKey(t, streamId),
          events.map((e) => e.eventId),
          events.map((e) => e.type),
          events.map((e) => e.dataJson),
          events.map((e) => e.metadataJson),
          exact ? 'exact' : expectedVersion,
          exact ? expectedVersion : null,
        ],
      })
      return row!.global_position == null ? { actual: Number(row!.previous_version) } : { row: row! }
    } catch (error) {
      if (sqlState(error) !== '23505') throw error
      return { raced: error }
    }
  }

  /** After a refusal or a lost race, or for 'stream-exists': decide under the lock. */
  async function settle(prepared: PreparedAppend, refused: boolean, cause?: unknown): Promise<AppendResult> {
    if (refused) {
      // a retry of an earlier append is refused by its expectation (or its ids): answer it as one
      const duplicate = await duplicates(prepared)
      if (duplicate) return duplicate
    }
    for (let attempt = 1; ; attempt++) {
      const { row, actual, raced } = await decideOnce(prepared)
      if (row) return appended(prepared, row)
      const duplicate = await duplicates(prepared)
      if (duplicate) return duplicate
      if (actual !== undefined)
        throw new ConcurrencyError(prepared.streamId, prepared.expectedVersion, actual, raced ?? cause)
      if (attempt >= maxDecideAttempts) throw raced
      cause = raced
    }
  }

  return async (prepared) => {
    try {
      const query = oneStatement(prepared)
      if (!query) return await settle(prepared, false)
      let rows: AppendedRow[]
      try {
        rows = context.beforeCommit ? await run(query) : (await pool.query<AppendedRow>(query)).rows
      } catch (error) {
        // 23505: another append took the next version first, or these ids were stored before
        if (sqlState(error) !== '23505') throw error
        return await settle(prepared, true, error)
      }
      const row = rows[0]
      // no row (or NULLs for a batch): the expectation did not hold in this statement's view
      return row?.global_position == null ? await settle(prepared, true) : appended(prepared, row)
    } catch (error) {
      throw translateError(error, { streamId: prepared.streamId })
    }
  }
}

function appended(prepared: PreparedAppend, row: AppendedRow): AppendResult {
  const { streamId, expectedVersion, events } = prepared
  const firstVersion = typeof expectedVersion === 'number' ? expectedVersion + 1 : Number(row.stream_version)
  const recordedAt = row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at!)
  const positions = events.length > 1 ? row.global_position!.split(',') : [row.global_position!]
  const stored: StoredEvent[] = new Array<StoredEvent>(events.length)
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!
    stored[i] = {
      type: event.type,
      data: JSON.parse(event.dataJson) as unknown,
      metadata: JSON.parse(event.metadataJson) as StoredMetadata,
      eventId: event.eventId,
      streamId,
      streamVersion: firstVersion + i,
      globalPosition: Number(positions[i]),
      recordedAt,
    }
  }
  return appendResult(streamId, stored, false)
}
