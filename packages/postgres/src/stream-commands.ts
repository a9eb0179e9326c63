import { checkExpectedVersion } from '@acta/core'
import type { ExpectedVersion, StreamInfo } from '@acta/core'
import { expectedVersionCondition, expectedVersionKind } from './expected-version.js'
import type { PostgresQueryable } from './pool.js'
import type { Tables } from './schema.js'

interface StreamRow {
  version: string
  deleted: boolean
  truncate_before: string | null
  metadata: string
}

export interface StreamCommands {
  streamInfo(db: PostgresQueryable, streamId: string): Promise<StreamInfo>
  deleteStream(db: PostgresQueryable, streamId: string, expected: ExpectedVersion): Promise<void>
  truncateStream(db: PostgresQueryable, streamId: string, before: number): Promise<void>
  setStreamMetadata(db: PostgresQueryable, streamId: string, metadataJson: string): Promise<void>
}

/** Stream-level operations on acta_streams; each is a single statement. */
export function streamCommands(t: Tables): StreamCommands {
  const infoSql = `SELECT version, deleted, truncate_before, metadata::text AS metadata FROM ${t.streams} WHERE stream_id = $1`
  // a recreated stream shows only its new events: everything up to the deleted version is truncated
  const deleteSql = (expected: ExpectedVersion): string =>
    `UPDATE ${t.streams} AS s SET deleted = true, truncate_before = s.version + 1
    WHERE s.stream_id = $1 AND s.version > 0 ${condition(expected)} RETURNING s.version`
  const condition = (expected: ExpectedVersion): string => {
    const sql = expectedVersionCondition(expected, '$2')
    return sql ? `AND ${sql}` : ''
  }
  const truncateSql = `INSERT INTO ${t.streams} (stream_id, truncate_before) VALUES ($1, $2)
    ON CONFLICT (stream_id) DO UPDATE SET truncate_before = excluded.truncate_before`
  const metadataSql = `INSERT INTO ${t.streams} (stream_id, metadata) VALUES ($1, $2::jsonb)
    ON CONFLICT (stream_id) DO UPDATE SET metadata = excluded.metadata`

  async function row(db: PostgresQueryable, streamId: string): Promise<StreamRow | undefined> {
    const { rows } = await db.query<StreamRow>({
      name: `${t.statementPrefix}stream_info`,
      text: infoSql,
      values: [streamId],
    })
    return rows[0]
  }

  return {
    async streamInfo(db, streamId) {
      const found = await row(db, streamId)
      const version = Number(found?.version ?? 0)
      const deleted = found?.deleted ?? false
      return {
        streamId,
        version,
        exists: version > 0 && !deleted,
        deleted,
        truncateBefore: found?.truncate_before == null ? undefined : Number(found.truncate_before),
        metadata: found ? (JSON.parse(found.metadata) as Record<string, unknown>) : {},
      }
    },

    async deleteStream(db, streamId, expected) {
      const query = {
        name: `${t.statementPrefix}delete_stream_${expectedVersionKind(expected)}`,
        text: deleteSql(expected),
        values: typeof expected === 'number' ? [streamId, expected] : [streamId],
      }
      for (;;) {
        const { rows } = await db.query(query)
        if (rows.length > 0) return
        // Nothing deleted: either the expectation failed (throw with the actual version), or the
        // stream has no events (nothing to delete), or it moved on in between (try again).
        const found = await row(db, streamId)
        const state = { version: Number(found?.version ?? 0), deleted: found?.deleted ?? false }
        checkExpectedVersion(streamId, expected, state)
        if (state.version === 0) return
      }
    },

    async truncateStream(db, streamId, before) {
      await db.query({
        name: `${t.statementPrefix}truncate_stream`,
        text: truncateSql,
        values: [streamId, before],
      })
    },

    async setStreamMetadata(db, streamId, metadataJson) {
      await db.query({
        name: `${t.statementPrefix}set_metadata`,
        text: metadataSql,
        values: [streamId, metadataJson],
      })
    },
  }
}
