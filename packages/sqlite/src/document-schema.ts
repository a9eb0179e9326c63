import { createHash } from 'node:crypto'
import type { MigrationLedger } from './schema.js'

/**
 * The document store's fixed tables, in their own ledger so a file can hold the event store, the
 * coordination tables and the documents side by side. Collection tables are not migrations: each
 * is created by the first write to its collection (`collectionDdl`).
 */
export const documentLedger: MigrationLedger = {
  table: 'acta_document_migrations',
  what: 'document store schema',
  migrations: [
    {
      version: 1,
      name: 'projection checkpoints, active builds',
      sql: `
        CREATE TABLE acta_projection_checkpoints (
          name TEXT PRIMARY KEY,
          position INTEGER NOT NULL,
          epoch INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE acta_active_builds (
          projection TEXT PRIMARY KEY,
          build INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        ) STRICT;`,
    },
  ],
}

export const collectionPrefix = 'acta_doc_'

/** The table of a collection; the name was checked against `collectionNamePattern`. */
export const tableName = (collection: string): string => `${collectionPrefix}${collection}`

/** The SQLite JSON path of a checked dotted field path: `a.b` -> `'$.a.b'` (a SQL literal). */
export const jsonPath = (field: string): string => `'$.${field}'`

/** The indexed expression of a field; queries repeat it verbatim so the planner uses the index. */
export const extract = (field: string): string => `json_extract(data, ${jsonPath(field)})`

/** Index names are hashed: a readable `<table>_<field>` could collide (`a_b` and `a.b`). */
const indexName = (collection: string, field: string): string =>
  `acta_idx_${createHash('sha256').update(`${collection}\0${field}`).digest('hex').slice(0, 16)}`

/** Creates a collection's table and the expression indexes of its declared fields, if missing. */
export function collectionDdl(collection: string, indexes: readonly string[]): string {
  const table = tableName(collection)
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (id TEXT PRIMARY KEY, data TEXT NOT NULL) STRICT;`,
    ...indexes.map(
      (field) =>
        `CREATE INDEX IF NOT EXISTS ${indexName(collection, field)} ON ${table} (${extract(field)});`,
    ),
  ].join('\n')
}

/** True for the error SQLite raises on a statement naming a table that does not exist. */
export function isMissingTable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  return code === 'SQLITE_ERROR' && typeof message === 'string' && message.startsWith('no such table')
}
