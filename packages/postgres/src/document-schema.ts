import { createHash } from 'node:crypto'
import { escapeIdentifier } from 'pg'
import { inTransaction, type PostgresPool, type PostgresQueryable } from './pool.js'
import { runMigrations, tables } from './schema.js'

/** Quoted, schema-qualified names of the document store's tables. */
export interface DocumentNames {
  readonly schema: string
  readonly checkpoints: string
  readonly builds: string
  readonly migrations: string
  /** The table of a collection (a name checked against `collectionNamePattern`). */
  table(collection: string): string
}

export const collectionPrefix = 'acta_doc_'

export function documentNames(schema: string): DocumentNames {
  const q = escapeIdentifier(tables(schema).schema)
  return {
    schema,
    checkpoints: `${q}.acta_projection_checkpoints`,
    builds: `${q}.acta_active_builds`,
    migrations: `${q}.acta_document_migrations`,
    table: (collection) => `${q}.${collectionPrefix}${collection}`,
  }
}

/** Append-only, as every migration list: the fixed tables. Collection tables are created on first write. */
export function migrateDocuments(pool: PostgresPool, n: DocumentNames): Promise<void> {
  return runMigrations(pool, {
    schema: n.schema,
    ledger: n.migrations,
    migrations: [
      {
        version: 1,
        name: 'projection checkpoints, active builds',
        sql: `
          CREATE TABLE ${n.checkpoints} (
            name text COLLATE "C" PRIMARY KEY,
            position bigint NOT NULL,
            epoch bigint NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
          );
          CREATE TABLE ${n.builds} (
            projection text PRIMARY KEY,
            build bigint NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
          );`,
      },
    ],
  })
}

/** `a.b` -> `'{a,b}'`, the text[] literal of `#>` (fields are checked identifiers, safe to inline). */
export const pathLiteral = (field: string): string => `'{${field.split('.').join(',')}}'`

/** The indexed expression of a field; queries spell it the same way, so the planner matches the index. */
export const fieldExpression = (field: string): string => `(data #> ${pathLiteral(field)})`

/** Index names are hashed: PostgreSQL cuts names at 63 bytes, and `a_b` and `a.b` would collide. */
const indexName = (collection: string, field: string): string =>
  `acta_idx_${createHash('sha256').update(`${collection}\0${field}`).digest('hex').slice(0, 20)}`

/**
 * Which collection tables (with which indexes) exist, as far as one store instance knows: found
 * in the catalog or created, under a transaction-level advisory lock per collection, because two
 * sessions running CREATE TABLE IF NOT EXISTS at once can fail on pg_type's unique index.
 */
export interface CollectionTables {
  /** Creates what is missing on `client` (inside the caller's transaction); adds to `known`. */
  ensure(
    client: PostgresQueryable,
    collection: string,
    indexes: readonly string[],
    known: Set<string>,
  ): Promise<void>
  /** Creates what is missing in a transaction of its own. */
  ensureNow(collection: string, indexes: readonly string[]): Promise<void>
  /** True when the table exists (known, or found in the catalog). */
  exists(client: PostgresQueryable, collection: string, known: Set<string>): Promise<boolean>
  /** Records what a committed transaction created or found. */
  learn(known: Iterable<string>): void
  /** Forgets a collection: it was dropped, maybe by another instance. */
  forget(collection: string): void
}

export function collectionTables(pool: PostgresPool, n: DocumentNames): CollectionTables {
  const cache = new Set<string>()
  const keyOf = (collection: string, indexes: readonly string[]) => [collection, ...indexes].join('\0')
  const has = (key: string, known: Set<string>) => cache.has(key) || known.has(key)

  async function missing(client: PostgresQueryable, collection: string, indexes: readonly string[]) {
    const wanted = [
      `${collectionPrefix}${collection}`,
      ...indexes.map((field) => indexName(collection, field)),
    ]
    const { rows } = await client.query<{ relname: string }>({
      text: `SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
             WHERE s.nspname = $1 AND c.relname = ANY($2::text[])`,
      values: [n.schema, wanted],
    })
    return rows.length < wanted.length
  }

  async function create(client: PostgresQueryable, collection: string, indexes: readonly string[]) {
    await client.query({
      text: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))',
      values: [`acta.documents:${n.schema}:${collection}`],
    })
    const table = n.table(collection)
    await client.query({
      text: `CREATE TABLE IF NOT EXISTS ${table} (id text COLLATE "C" PRIMARY KEY, data jsonb NOT NULL)`,
    })
    for (const field of indexes) {
      await client.query({
        text: `CREATE INDEX IF NOT EXISTS ${indexName(collection, field)} ON ${table} (${fieldExpression(field)})`,
      })
    }
  }

  return {
    async ensure(client, collection, indexes, known) {
      const key = keyOf(collection, indexes)
      if (has(key, known)) return
      // the catalog first: CREATE INDEX IF NOT EXISTS would wait for every writer of the table
      if (await missing(client, collection, indexes)) await create(client, collection, indexes)
      known.add(key)
      known.add(keyOf(collection, []))
    },
    async ensureNow(collection, indexes) {
      const key = keyOf(collection, indexes)
      if (cache.has(key)) return
      if (await missing(pool, collection, indexes)) {
        await inTransaction(pool, (client) => create(client, collection, indexes))
      }
      cache.add(key)
      cache.add(keyOf(collection, []))
    },
    async exists(client, collection, known) {
      const key = keyOf(collection, [])
      if (has(key, known)) return true
      if (await missing(client, collection, [])) return false
      known.add(key)
      return true
    },
    learn(known) {
      for (const key of known) cache.add(key)
    },
    forget(collection) {
      for (const key of cache) if (key.split('\0')[0] === collection) cache.delete(key)
    },
  }
}
