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
import { documentTable, type TableScope } from './document-table.js'

/** How a collection outside a transaction runs its statements: each write in its own BEGIN IMMEDIATE. */
export interface DocumentScope extends TableScope {
  read<T>(query: () => T): Promise<T>
  write<T>(work: () => T): Promise<T>
}

const parse = <T>(json: string | undefined): T | undefined =>
  json === undefined ? undefined : (JSON.parse(json) as T)

/**
 * A collection outside any transaction: every write is one synchronous transaction of its own, so
 * it never holds the write lock across an await.
 */
export function documentCollection<T extends Document>(
  name: string,
  options: CollectionOptions | undefined,
  scope: DocumentScope,
): Collection<T> {
  assertCollectionName(name)
  const table = documentTable(name, validateCollectionOptions(options), scope)

  return {
    name,
    async get(id) {
      assertDocumentId(id)
      return parse<T>(await scope.read(() => table.load(id)))
    },
    async put(id, document) {
      assertDocumentId(id)
      const json = documentJson(document)
      await scope.write(() => table.store(id, json))
    },
    async patch(id, changes) {
      assertDocumentId(id)
      const json = documentJson(changes, 'patch')
      return scope.write(() => {
        const current = parse<T>(table.load(id))
        if (current === undefined) return undefined
        const merged = mergePatch(current, JSON.parse(json) as Partial<T>)
        table.store(id, JSON.stringify(merged))
        return merged
      })
    },
    async delete(id) {
      assertDocumentId(id)
      return scope.write(() => table.remove(id))
    },
    async find(findOptions) {
      const checked = validateFindOptions(findOptions)
      const rows = await scope.read(() => table.find(checked))
      return rows.map((json) => JSON.parse(json) as T)
    },
    async count(where) {
      const checked = validateWhere(where)
      return scope.read(() => table.count(checked))
    },
    async clear() {
      await scope.write(() => table.clear())
    },
  }
}
