import type { ExpectedVersion } from '@acta/core'
import { allowsNewStream, expectedVersionCondition, expectedVersionKind } from './expected-version.js'
import type { Tables } from './schema.js'

export interface AppendStatement {
  readonly name: string
  readonly text: string
}

/**
 * The append statement for one kind of expectation and batch shape. Parameters:
 * $1 stream id, $2 lock key, $3..$6 event id, type, data and metadata (arrays when `many`), and $7
 * the version when the expectation is exact. Returns one row per event; none when refused.
 *
 * A data-modifying CTE bumps the stream row under its row lock, only when the expectation holds,
 * then inserts the events numbered on from the previous version.
 *
 * The log order is (tx_id, global_position), and an xid is assigned at a transaction's first
 * write, which can come before the wait for a stream's row lock. Appends to one stream therefore
 * first queue on an advisory lock (it needs no xid): whoever writes a stream later also gets a
 * later xid, so each stream's versions ascend in log order.
 */
export function appendStatement(t: Tables, expected: ExpectedVersion, many: boolean): AppendStatement {
  const count = many ? 'cardinality($3::uuid[])' : '1'
  const condition = expectedVersionCondition(expected, '$7')
  const write = allowsNewStream(expected)
    ? `INSERT INTO ${t.streams} AS s (stream_id, version) SELECT $1::text, ${count} FROM stream_lock
       ON CONFLICT (stream_id) DO UPDATE SET version = s.version + ${count}, deleted = false
       ${condition ? `WHERE ${condition}` : ''}`
    : `UPDATE ${t.streams} AS s SET version = s.version + ${count}, deleted = false FROM stream_lock
       WHERE s.stream_id = $1::text AND ${condition}`
  const source = many
    ? `SELECT $1::text, s.prev + i.ord, i.id, i.type, i.data::jsonb, i.metadata::jsonb
       FROM s CROSS JOIN unnest($3::uuid[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS i(id, type, data, metadata, ord)
       ORDER BY i.ord`
    : `SELECT $1::text, s.prev + 1, $3::uuid, $4::text, $5::jsonb, $6::jsonb FROM s`
  return {
    name: `${t.statementPrefix}append_${expectedVersionKind(expected)}_${many ? 'many' : 'one'}`,
    text: `
      WITH stream_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(hashtextextended($2::text, 0))),
      s AS (${write} RETURNING s.version - ${count} AS prev),
      e AS (
        INSERT INTO ${t.events} (stream_id, stream_version, event_id, type, data, metadata) ${source}
        RETURNING global_position, stream_version, recorded_at
      )
      ${
        many
          ? `SELECT min(stream_version) AS stream_version, min(recorded_at) AS recorded_at,
               string_agg(global_position::text, ',' ORDER BY stream_version) AS global_position FROM e`
          : 'SELECT stream_version, recorded_at, global_position FROM e'
      }`,
  }
}
