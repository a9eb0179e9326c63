import {
  assertCollectionName,
  assertDocumentId,
  documentJson,
  validateCollectionOptions,
  validateFindOptions,
  validateWhere,
} from '@acta/core'
import type { Collection, CollectionOptions, Document } from '@acta/core'
import type { CollectionTables, DocumentNames } from './document-schema.js'
import { collectionStatements, countQuery, findQuery } from './document-sql.js'
import type { PostgresPool } from './pool.js'
import { sqlState } from './translate-error.js'

/** What a collection outside a transaction needs from its store. */
export interface CollectionContext {
  readonly pool: PostgresPool
  readonly names: DocumentNames
  readonly tables: CollectionTables
  /** Runs `work` once the schema is migrated, translating driver errors. */
  readonly run: <T>(work: () => Promise<T>, details?: Record<string, unknown>) => Promise<T>
}

const missingTable = (error: unknown): boolean => sqlState(error) === '42P01'

/**
 * A collection outside any transaction: each call is one statement in autocommit (a patch is one
 * UPDATE … SET data = data || changes). Reads of a table that does not exist find nothing; the
 * first write creates it.
 */
export function documentCollection<T extends Document>(
  name: string,
  options: CollectionOptions | undefined,
  context: CollectionContext,
): Collection<T> {
  assertCollectionName(name)
  const indexes = validateCollectionOptions(options)
  const { pool, names, tables, run } = context
  const table = names.table(name)
  const sql = collectionStatements(table)
  const details = { collection: name }

  /** A read; when the table does not exist (or was dropped meanwhile), `absent` is the answer. */
  const read = <R>(work: () => Promise<R>, absent: R): Promise<R> =>
    run(async () => {
      try {
        return await work()
      } catch (error) {
        if (!missingTable(error)) throw error
        tables.forget(name)
        return absent
      }
    }, details)

  /** A write that needs the table: created first, and again if another instance dropped it. */
  const write = <R>(work: () => Promise<R>): Promise<R> =>
    run(async () => {
      await tables.ensureNow(name, indexes)
      try {
        return await work()
      } catch (error) {
        if (!missingTable(error)) throw error
        tables.forget(name)
        await tables.ensureNow(name, indexes)
        return work()
      }
    }, details)

  const parse = (rows: { data: string }[]): T[] => rows.map((row) => JSON.parse(row.data) as T)

  return {
    name,
    async get(id) {
      assertDocumentId(id)
      const rows = await read(
        async () => (await pool.query<{ data: string }>({ ...sql.get, values: [id] })).rows,
        [],
      )
      return parse(rows)[0]
    },
    async put(id, document) {
      assertDocumentId(id)
      const json = documentJson(document)
      await write(() => pool.query({ ...sql.upsert, values: [[id], [json]] }))
    },
    async patch(id, changes) {
      assertDocumentId(id)
      const json = documentJson(changes, 'patch')
      const rows = await read(
        async () => (await pool.query<{ data: string }>({ ...sql.patch, values: [id, json] })).rows,
        [],
      )
      return parse(rows)[0]
    },
    async delete(id) {
      assertDocumentId(id)
      const rows = await read(async () => (await pool.query({ ...sql.delete, values: [[id]] })).rows, [])
      return rows.length > 0
    },
    async find(findOptions) {
      const query = findQuery(table, validateFindOptions(findOptions))
      return parse(await read(async () => (await pool.query<{ data: string }>(query)).rows, []))
    },
    async count(where) {
      const query = countQuery(table, validateWhere(where))
      return read(async () => (await pool.query<{ count: number }>(query)).rows[0]?.count ?? 0, 0)
    },
    async clear() {
      await read(() => pool.query(sql.clear), undefined)
    },
  }
}
