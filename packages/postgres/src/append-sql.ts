import type { ExpectedVersion } from '@acta/core'
import { expectedVersionKind } from './expected-version.js'
import type { Tables } from './schema.js'

export interface AppendStatement {
  readonly name: string
  readonly text: string
}

/**
 * The one-statement append for an expectation and batch shape, or undefined for 'stream-exists'
 * (see {@link decideStatement}). Parameters: $1 stream id, $2..$5 event id, type, data and metadata
 * (arrays when `many`), and $6 the version when the expectation is exact. Returns the recording
 * time, the positions (comma-separated when `many`) and, unless the expectation is exact (then it
 * is known), the first new version; no row, or a row of NULLs when `many`, when it was refused.
 *
 * It writes only acta_events, and its INSERT numbers on from the newest version it sees. The
 * unique (stream_id, stream_version) index is the guard: an append that raced another one for the
 * same version fails with a unique violation and is settled by {@link decideStatement}.
 * - exact `n`: inserts n+1.. only if version n exists (one index probe); versions are dense, so
 *   with n+1 still free the stream is at n.
 * - 'any': numbers on from max(stream_version), a backward probe of the same index.
 * - 'no-stream': the same, only if the stream has no events or acta_streams says it was deleted at
 *   that version (a primary-key probe, only for a stream that has events).
 *
 * Log order: a transaction inserts version n+1 only after it saw version n committed, so it gets
 * its transaction id after the writer of n committed: each stream's versions ascend in log order.
 */
export function appendStatement(
  t: Tables,
  expected: ExpectedVersion,
  many: boolean,
): AppendStatement | undefined {
  if (expected === 'stream-exists') return undefined
  const exact = typeof expected === 'number'
  const next = (offset: string): string => (exact ? `$6::bigint + ${offset}` : `m.version + ${offset}`)
  const current = exact
    ? ''
    : `FROM (SELECT coalesce(max(x.stream_version), 0) AS version FROM ${t.events} x WHERE x.stream_id = $1::text) m`
  const condition = exact
    ? `EXISTS (SELECT FROM ${t.events} x WHERE x.stream_id = $1::text AND x.stream_version = $6::bigint)`
    : expected === 'no-stream'
      ? `(m.version = 0 OR EXISTS (SELECT FROM ${t.streams} s WHERE s.stream_id = $1::text AND s.deleted_version >= m.version))`
      : undefined
  const where = condition ? `WHERE ${condition}` : ''
  const insert = `INSERT INTO ${t.events} (stream_id, stream_version, event_id, type, data, metadata)`
  const text = many
    ? `WITH e AS (
        ${insert}
        SELECT $1::text, ${next('i.ord')}, i.id, i.type, i.data::jsonb, i.metadata::jsonb
        ${current ? `${current} CROSS JOIN` : 'FROM'} unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS i(id, type, data, metadata, ord)
        ${where}
        ORDER BY i.ord
        RETURNING global_position, stream_version, recorded_at
      )
      SELECT min(recorded_at) AS recorded_at,
        string_agg(global_position::text, ',' ORDER BY stream_version) AS global_position
        ${exact ? '' : ', min(stream_version) AS stream_version'} FROM e`
    : `${insert}
      SELECT $1::text, ${next('1')}, $2::uuid, $3::text, $4::jsonb, $5::jsonb ${current}
      ${where}
      RETURNING recorded_at, global_position ${exact ? '' : ', stream_version'}`
  return {
    name: `${t.statementPrefix}append_${expectedVersionKind(expected)}_${many ? 'many' : 'one'}`,
    text,
  }
}

/**
 * The append that decides under the stream's advisory lock, through the `acta_append` function:
 * it reads the version and deleted state after the lock (each statement of a function takes a new
 * snapshot), so its answer is final: it appends, or returns the actual version. Used for
 * 'stream-exists' (a delete holds the same lock) and to settle a refused or raced one-statement
 * append. Parameters: $1 stream id, $2 lock key, $3..$6 event arrays, $7 the expectation
 * ('any', 'no-stream', 'stream-exists' or 'exact'), $8 the exact version or NULL.
 */
export function decideStatement(t: Tables): AppendStatement {
  return {
    name: `${t.statementPrefix}append_decide`,
    text: `SELECT out_first_version AS stream_version, out_recorded_at AS recorded_at,
        out_positions AS global_position, out_previous_version AS previous_version
      FROM ${t.appendFunction}($1::text, $2::text, $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text, $8::bigint)`,
  }
}
