import type { validateFindOptions, validateWhere } from '@acta/core'
import type { Statement } from 'better-sqlite3'
import { isMissingTable, tableName } from './document-schema.js'
import { countSql, findSql } from './document-sql.js'

/** What a collection's table needs from the store's connection. */
export interface TableScope {
  /** Creates the collection's table and declared indexes unless this scope knows they exist. */
  ensure(collection: string, indexes: readonly string[]): void
  /** Forgets what `ensure` knew about a collection (it was dropped, maybe by another connection). */
  forget(collection: string): void
  /** A prepared statement, cached by its text. */
  prepare(sql: string): Statement
}

/**
 * The synchronous statements on one collection's table (`id TEXT PRIMARY KEY, data TEXT`), as JSON
 * text. Reading a table that does not exist finds nothing; the first write creates it.
 */
export interface DocumentTable {
  /** The stored JSON text of a document, or undefined. */
  load(id: string): string | undefined
  /** Inserts or replaces a document, creating the table when needed. */
  store(id: string, json: string): void
  /** True when a row was deleted. */
  remove(id: string): boolean
  clear(): void
  find(options: ReturnType<typeof validateFindOptions>): string[]
  count(where: ReturnType<typeof validateWhere>): number
}

export function documentTable(
  collection: string,
  indexes: readonly string[],
  scope: TableScope,
): DocumentTable {
  const table = tableName(collection)
  const sql = {
    get: `SELECT data FROM ${table} WHERE id = ?`,
    put: `INSERT INTO ${table} (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
    delete: `DELETE FROM ${table} WHERE id = ?`,
    clear: `DELETE FROM ${table}`,
  }
  /** Runs a statement on the table; when the table does not exist, `absent` is the answer. */
  const onTable = <R>(run: () => R, absent: R): R => {
    try {
      return run()
    } catch (error) {
      if (isMissingTable(error)) return absent
      throw error
    }
  }

  return {
    load: (id) => onTable(() => scope.prepare(sql.get).get(id) as string | undefined, undefined),
    store(id, json) {
      scope.ensure(collection, indexes)
      try {
        scope.prepare(sql.put).run(id, json)
      } catch (error) {
        if (!isMissingTable(error)) throw error
        // another connection dropped the table since this one created it
        scope.forget(collection)
        scope.ensure(collection, indexes)
        scope.prepare(sql.put).run(id, json)
      }
    },
    remove: (id) => onTable(() => scope.prepare(sql.delete).run(id).changes > 0, false),
    clear: () => onTable(() => void scope.prepare(sql.clear).run(), undefined),
    find(options) {
      const { sql: text, params } = findSql(table, options)
      return onTable(() => scope.prepare(text).all(...params) as string[], [])
    },
    count(where) {
      const { sql: text, params } = countSql(table, where)
      return onTable(() => scope.prepare(text).get(...params) as number, 0)
    },
  }
}
