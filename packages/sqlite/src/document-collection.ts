import {
  assertCollectionName,
  assertDocumentId,
  documentJson,
  mergePatch,
  validateCollectionOptions,
  validateFindOptions,
  validateWhere,
} from '@acta/core'
import type { Collection, CollectionOptions, Document } from '@acta/core'
import type { Statement } from 'better-sqlite3'
import { isMissingTable, tableName } from './document-schema.js'
import { countSql, findSql } from './document-sql.js'

/**
 * Where a collection's statements run: outside a transaction each write takes the write lock in
 * its own BEGIN IMMEDIATE and reads wait for an open transaction; inside, both run directly.
 */
export interface DocumentScope {
  read<T>(query: () => T): Promise<T>
  write<T>(work: () => T): Promise<T>
  /** Creates the collection's table and declared indexes unless this scope knows they exist. */
  ensure(collection: string, indexes: readonly string[]): void
  /** Forgets what `ensure` knew about a collection (it was dropped, maybe by another connection). */
  forget(collection: string): void
  /** A prepared statement, cached by its text. */
  prepare(sql: string): Statement
}

/**
 * A collection on one table: `id TEXT PRIMARY KEY, data TEXT` holding the JSON. Reading a
 * collection whose table does not exist finds nothing; the first write creates it.
 */
export function documentCollection<T extends Document>(
  name: string,
  options: CollectionOptions | undefined,
  scope: DocumentScope,
): Collection<T> {
  assertCollectionName(name)
  const indexes = validateCollectionOptions(options)
  const table = tableName(name)
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
  const load = (id: string): T | undefined => {
    const json = onTable(() => scope.prepare(sql.get).get(id) as string | undefined, undefined)
    return json === undefined ? undefined : (JSON.parse(json) as T)
  }
  const store = (id: string, json: string): void => {
    scope.ensure(name, indexes)
    try {
      scope.prepare(sql.put).run(id, json)
    } catch (error) {
      if (!isMissingTable(error)) throw error
      // another connection dropped the table since this one created it
      scope.forget(name)
      scope.ensure(name, indexes)
      scope.prepare(sql.put).run(id, json)
    }
  }

  return {
    name,
    async get(id) {
      assertDocumentId(id)
      return scope.read(() => load(id))
    },
    async put(id, document) {
      assertDocumentId(id)
      const json = documentJson(document)
      await scope.write(() => store(id, json))
    },
    async patch(id, changes) {
      assertDocumentId(id)
      const json = documentJson(changes, 'patch')
      return scope.write(() => {
        const current = load(id)
        if (current === undefined) return undefined
        const merged = mergePatch(current, JSON.parse(json) as Partial<T>)
        store(id, JSON.stringify(merged))
        return merged
      })
    },
    async delete(id) {
      assertDocumentId(id)
      return scope.write(() => onTable(() => scope.prepare(sql.delete).run(id).changes > 0, false))
    },
    async find(findOptions) {
      const { sql: text, params } = findSql(table, validateFindOptions(findOptions))
      return scope.read(() =>
        onTable(
          () => (scope.prepare(text).all(...params) as string[]).map((json) => JSON.parse(json) as T),
          [],
        ),
      )
    },
    async count(where) {
      const { sql: text, params } = countSql(table, validateWhere(where))
      return scope.read(() => onTable(() => scope.prepare(text).get(...params) as number, 0))
    },
    async clear() {
      await scope.write(() => onTable(() => void scope.prepare(sql.clear).run(), undefined))
    },
  }
}
