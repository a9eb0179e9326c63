import {
  ActaError,
  ValidationError,
  assertCheckpointName,
  assertCollectionName,
  assertDocumentId,
  assertPosition,
  documentJson,
  fencedCheckpoint,
  mergePatch,
  validateCollectionOptions,
  validateFindOptions,
  validateWhere,
} from '@acta/core'
import type { Collection, Document, DocumentTransaction } from '@acta/core'
import { documentTable, type DocumentTable, type TableScope } from './document-table.js'

/** What a transaction needs from the store. Each method runs synchronously on the connection. */
export interface TransactionContext {
  /** Runs `query` on committed data, outside any transaction. */
  read<T>(query: (scope: TableScope) => T): T
  /** Runs `query` between BEGIN IMMEDIATE and ROLLBACK, in one turn of the event loop. */
  preview<T>(query: (scope: TableScope) => T): T
  /** Runs `apply` between BEGIN IMMEDIATE and COMMIT in one turn; rolls back when it throws. */
  commit(apply: (scope: TableScope) => void): Promise<void>
  checkpointEpoch(name: string): number | undefined
  /** False when checkpoint `name` does not have `epoch` (fenced, or never claimed). */
  moveCheckpoint(name: string, position: number, epoch: number): boolean
  setActiveBuild(projection: string, build: number): void
}

/** One collection's side of a transaction. */
interface Unit {
  readonly indexes: Set<string>
  /** Writes not committed yet, by id: JSON text, or null for a delete. */
  readonly pending: Map<string, string | null>
  /** A clear not committed yet: ids missing from `pending` are absent. */
  cleared: boolean
  /** The first committed state this transaction read of each id (JSON text, null: absent). */
  readonly read: Map<string, string | null>
}

/**
 * Runs `work` as a unit of work that holds no lock while it runs: writes are buffered per
 * collection, reads see them first and otherwise read committed data. When `work` resolves, one
 * synchronous BEGIN IMMEDIATE … COMMIT moves the checkpoints (fenced), checks that every document
 * the transaction read is unchanged (CONCURRENCY otherwise), applies the writes and the builds.
 */
export async function runTransaction<R>(
  context: TransactionContext,
  work: (tx: DocumentTransaction) => Promise<R>,
): Promise<R> {
  const units = new Map<string, Unit>()
  const saves: { name: string; position: number; epoch: number }[] = []
  const builds = new Map<string, number>()
  let active = true
  let fenced: ActaError | undefined

  const usable = (): void => {
    if (!active) throw new ValidationError('This document transaction has ended; use the store instead')
  }
  const tableOf = (name: string, unit: Unit, scope: TableScope): DocumentTable =>
    documentTable(name, [...unit.indexes], scope)
  const hasWrites = (unit: Unit): boolean => unit.cleared || unit.pending.size > 0
  const apply = (unit: Unit, table: DocumentTable): void => {
    if (unit.cleared) table.clear()
    for (const [id, text] of unit.pending) {
      if (text === null) table.remove(id)
      else table.store(id, text)
    }
  }

  /** The JSON text of a document as this transaction sees it, or null. */
  const lookup = (name: string, unit: Unit, id: string): string | null => {
    const pending = unit.pending.get(id)
    if (pending !== undefined) return pending
    if (unit.cleared) return null
    const seen = unit.read.get(id)
    if (seen !== undefined) return seen
    const text = context.read((scope) => tableOf(name, unit, scope).load(id)) ?? null
    unit.read.set(id, text)
    return text
  }
  /** Runs `query` on the table as this transaction sees it: pending writes applied, then undone. */
  const query = <T>(name: string, unit: Unit, run: (table: DocumentTable) => T): T =>
    hasWrites(unit)
      ? context.preview((scope) => {
          const table = tableOf(name, unit, scope)
          apply(unit, table)
          return run(table)
        })
      : context.read((scope) => run(tableOf(name, unit, scope)))

  function collection<T extends Document>(
    name: string,
    options?: { indexes?: readonly string[] },
  ): Collection<T> {
    assertCollectionName(name)
    const indexes = validateCollectionOptions(options)
    let unit = units.get(name)
    if (!unit) {
      unit = { indexes: new Set(), pending: new Map(), cleared: false, read: new Map() }
      units.set(name, unit)
    }
    for (const field of indexes) unit.indexes.add(field)
    const u = unit
    return {
      name,
      async get(id) {
        assertDocumentId(id)
        usable()
        const text = lookup(name, u, id)
        return text === null ? undefined : (JSON.parse(text) as T)
      },
      async put(id, document) {
        assertDocumentId(id)
        const text = documentJson(document)
        usable()
        u.pending.set(id, text)
      },
      async patch(id, changes) {
        assertDocumentId(id)
        const text = documentJson(changes, 'patch')
        usable()
        const current = lookup(name, u, id)
        if (current === null) return undefined
        const merged = mergePatch(JSON.parse(current) as T, JSON.parse(text) as Partial<T>)
        u.pending.set(id, JSON.stringify(merged))
        return merged
      },
      async delete(id) {
        assertDocumentId(id)
        usable()
        if (lookup(name, u, id) === null) return false
        u.pending.set(id, null)
        return true
      },
      async find(findOptions) {
        const checked = validateFindOptions(findOptions)
        usable()
        return query(name, u, (table) => table.find(checked)).map((json) => JSON.parse(json) as T)
      },
      async count(where) {
        const checked = validateWhere(where)
        usable()
        return query(name, u, (table) => table.count(checked))
      },
      async clear() {
        usable()
        u.pending.clear()
        u.cleared = true
      },
    }
  }

  const tx: DocumentTransaction = {
    collection,
    async saveCheckpoint(name, position, epoch) {
      usable()
      assertCheckpointName(name)
      assertPosition(position)
      assertPosition(epoch, 'epoch')
      // checked now so a fenced owner stops early; checked again at commit, under the lock
      const current = context.read(() => context.checkpointEpoch(name))
      // a caught fencing error still dooms the transaction
      if (current !== epoch) throw (fenced = fencedCheckpoint(name, epoch, current))
      saves.push({ name, position, epoch })
    },
    async setActiveBuild(projection, build) {
      usable()
      assertCheckpointName(projection, 'projection name')
      assertPosition(build, 'build number')
      builds.set(projection, build)
    },
  }

  let result: R
  try {
    result = await work(tx)
  } finally {
    active = false
  }
  if (fenced) throw fenced
  const written = [...units].filter(([, unit]) => hasWrites(unit))
  // nothing to commit, so nothing that was read can be lost: a read-only transaction never conflicts
  if (written.length === 0 && saves.length === 0 && builds.size === 0) return result
  await context.commit((scope) => {
    for (const { name, position, epoch } of saves) {
      if (!context.moveCheckpoint(name, position, epoch))
        throw fencedCheckpoint(name, epoch, context.checkpointEpoch(name))
    }
    for (const [name, unit] of units) {
      const table = tableOf(name, unit, scope)
      for (const [id, text] of unit.read) {
        if ((table.load(id) ?? null) !== text) throw changedSinceRead(name, id)
      }
    }
    for (const [name, unit] of written) apply(unit, tableOf(name, unit, scope))
    for (const [projection, build] of builds) context.setActiveBuild(projection, build)
  })
  return result
}

function changedSinceRead(collection: string, id: string): ActaError {
  return new ActaError(
    'CONCURRENCY',
    `Document "${id}" of collection "${collection}" changed after this transaction read it; run the transaction again`,
    { details: { collection, id } },
  )
}
