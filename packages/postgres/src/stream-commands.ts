import { checkExpectedVersion } from '@acta/core'
import type { ExpectedVersion, StreamInfo } from '@acta/core'
import { expectedVersionCondition, expectedVersionKind } from './expected-version.js'
import { inTransaction, type PostgresPool, type PostgresQueryable } from './pool.js'
import { streamStateSql } from './read.js'
import { streamLockKey, type Tables } from './schema.js'

interface StreamRow {
  version: string
  deleted: boolean
  truncate_before: string | null
  metadata: string | null
}

export interface StreamCommands {
  streamInfo(db: PostgresQueryable, streamId: string): Promise<StreamInfo>
  deleteStream(pool: PostgresPool, streamId: string, expected: ExpectedVersion): Promise<void>
  truncateStream(db: PostgresQueryable, streamId: string, before: number): Promise<void>
  setStreamMetadata(db: PostgresQueryable, streamId: string, metadataJson: string): Promise<void>
}

/** Stream-level operations; only these write acta_streams. */
export function streamCommands(t: Tables): StreamCommands {
  const infoSql = `SELECT c.version, c.deleted, c.truncate_before, c.metadata::text AS metadata
    FROM (${streamStateSql(t)}) c`
  // Runs after the stream's advisory lock, in its own statement (so with a fresh snapshot): the
  // lock queues it with the appends that decide under it ('stream-exists'). A recreated stream
  // shows only its new events: everything up to the deleted version is truncated.
  const deleteSql = (expected: ExpectedVersion): string => {
    const condition = expectedVersionCondition(expected, '$2', { version: 'c.version', deleted: 'c.deleted' })
    return `
      WITH c AS MATERIALIZED (${streamStateSql(t)}),
      d AS (
        INSERT INTO ${t.streams} AS s (stream_id, deleted_version, truncate_before)
        SELECT $1, c.version, c.version + 1 FROM c WHERE c.version > 0 ${condition ? `AND ${condition}` : ''}
        ON CONFLICT (stream_id) DO UPDATE
          SET deleted_version = excluded.deleted_version, truncate_before = excluded.truncate_before
        RETURNING 1
      )
      SELECT c.version, c.deleted, EXISTS (SELECT FROM d) AS done FROM c`
  }
  const truncateSql = `INSERT INTO ${t.streams} (stream_id, truncate_before) VALUES ($1, $2)
    ON CONFLICT (stream_id) DO UPDATE SET truncate_before = excluded.truncate_before`
  const metadataSql = `INSERT INTO ${t.streams} (stream_id, metadata) VALUES ($1, $2::jsonb)
    ON CONFLICT (stream_id) DO UPDATE SET metadata = excluded.metadata`

  return {
    async streamInfo(db, streamId) {
      const { rows } = await db.query<StreamRow>({
        name: `${t.statementPrefix}stream_info`,
        text: infoSql,
        values: [streamId],
      })
      const found = rows[0]!
      const version = Number(found.version)
      return {
        streamId,
        version,
        exists: version > 0 && !found.deleted,
        deleted: found.deleted,
        truncateBefore: found.truncate_before == null ? undefined : Number(found.truncate_before),
        metadata: found.metadata == null ? {} : (JSON.parse(found.metadata) as Record<string, unknown>),
      }
    },

    async deleteStream(pool, streamId, expected) {
      type State = { version: string; deleted: boolean; done: boolean }
      const state = await inTransaction(pool, async (client) => {
        await client.query({
          name: `${t.statementPrefix}stream_lock`,
          text: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))',
          values: [streamLockKey(t, streamId)],
        })
        const { rows } = await client.query<State>({
          name: `${t.statementPrefix}delete_stream_${expectedVersionKind(expected)}`,
          text: deleteSql(expected),
          values: typeof expected === 'number' ? [streamId, expected] : [streamId],
        })
        return rows[0]!
      })
      // nothing written: the expectation failed (this throws with the actual version), or the
      // stream has no events (nothing to delete)
      if (!state.done)
        checkExpectedVersion(streamId, expected, { version: Number(state.version), deleted: state.deleted })
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
