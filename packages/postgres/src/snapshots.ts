import type { Snapshot } from '@acta/core'
import type { PostgresQueryable } from './pool.js'
import type { Tables } from './schema.js'

interface SnapshotRow {
  version: string
  schema_version: number
  state: string
  created_at: Date | string
}

export interface Snapshots {
  save(
    db: PostgresQueryable,
    streamId: string,
    version: number,
    schemaVersion: number,
    stateJson: string,
  ): Promise<void>
  load<State>(
    db: PostgresQueryable,
    streamId: string,
    maxVersion: number,
  ): Promise<Snapshot<State> | undefined>
}

/** Snapshots in acta_snapshots, one per (stream, version); saving a version again replaces it. */
export function snapshots(t: Tables): Snapshots {
  const saveSql = `INSERT INTO ${t.snapshots} (stream_id, version, schema_version, state) VALUES ($1, $2, $3, $4::jsonb)
    ON CONFLICT (stream_id, version) DO UPDATE
    SET schema_version = excluded.schema_version, state = excluded.state, created_at = excluded.created_at`
  const loadSql = `SELECT version, schema_version, state::text AS state, created_at FROM ${t.snapshots}
    WHERE stream_id = $1 AND version <= $2::float8 ORDER BY version DESC LIMIT 1`

  return {
    async save(db, streamId, version, schemaVersion, stateJson) {
      await db.query({
        name: `${t.statementPrefix}save_snapshot`,
        text: saveSql,
        values: [streamId, version, schemaVersion, stateJson],
      })
    },

    async load<State>(db: PostgresQueryable, streamId: string, maxVersion: number) {
      const { rows } = await db.query<SnapshotRow>({
        name: `${t.statementPrefix}load_snapshot`,
        text: loadSql,
        values: [streamId, maxVersion],
      })
      const row = rows[0]
      if (!row) return undefined
      return {
        version: Number(row.version),
        schemaVersion: Number(row.schema_version),
        state: JSON.parse(row.state) as State,
        createdAt: row.created_at instanceof Date ? row.created_at : new Date(row.created_at),
      }
    },
  }
}
