import {
  ActaError,
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
import type { CollectionTables, DocumentNames } from './document-schema.js'
import { collectionStatements, countQuery, findQuery } from './document-sql.js'
import type { PostgresPool, PostgresPoolClient, PostgresQuery } from './pool.js'
import { sqlState, translateError } from './translate-error.js'

export interface TransactionContext {
  readonly pool: PostgresPool
  readonly names: DocumentNames
  readonly tables: CollectionTables
}

/** A collection's view inside one transaction: what it read and wrote, by id (JSON text, null: absent). */
interface UnitOfWork {
  readonly known: Map<string, string | null>
  /** Ids whose `known` value is not in the database yet. */
  readonly dirty: Set<string>
  /** A clear not flushed yet: ids missing from `known` are absent. */
  cleared: boolean
  readonly indexes: Set<string>
  readonly sql: ReturnType<typeof collectionStatements>
}

/**
 * Runs `work` as a unit of work: reads go to the transaction's identity map first, writes are
 * buffered and flushed with one multi-row statement per collection (before a find or count on
 * that collection, and at commit). BEGIN is sent on the first statement, so a batch of puts costs
 * BEGIN, the checkpoint UPDATE, one INSERT … unnest per collection and COMMIT. Operations run one
 * at a time, in call order, even when `work` does not await them.
 */
export async function runTransaction<R>(
  context: TransactionContext,
  work: (tx: DocumentTransaction) => Promise<R>,
): Promise<R> {
  const { pool, names, tables } = context
  const units = new Map<string, UnitOfWork>()
  const known = new Set<string>()
  let connecting: Promise<PostgresPoolClient> | undefined
  let client: PostgresPoolClient | undefined
  let active = true
  let fenced: ActaError | undefined
  let queue: Promise<unknown> = Promise.resolve()

  const connection = (): Promise<PostgresPoolClient> =>
    (connecting ??= pool.connect().then(async (connected) => {
      client = connected
      await connected.query({ text: 'BEGIN' })
      return connected
    }))
  /** Work on the transaction's connection, its errors translated (and a dropped table forgotten). */
  const onConnection = async <T>(
    use: (connected: PostgresPoolClient) => Promise<T>,
    collection?: string,
  ): Promise<T> => {
    try {
      return await use(await connection())
    } catch (error) {
      if (collection !== undefined && sqlState(error) === '42P01') tables.forget(collection)
      throw translateError(error, collection === undefined ? {} : { collection })
    }
  }
  const query = <Row>(statement: PostgresQuery, collection?: string): Promise<Row[]> =>
    onConnection(async (connected) => (await connected.query<Row>(statement)).rows, collection)
  const serial = <T>(operation: () => Promise<T>): Promise<T> => {
    const next = queue.then(() => {
      if (!active)
        throw new ActaError('VALIDATION', 'This document transaction has ended; use the store instead')
      return operation()
    })
    queue = next.catch(() => undefined)
    return next
  }
  /** Collections the catalog did not have: looked up once per transaction, not once per read. */
  const absent = new Set<string>()
  const exists = async (collection: string): Promise<boolean> => {
    if (absent.has(collection)) return false
    if (await onConnection((connected) => tables.exists(connected, collection, known), collection))
      return true
    absent.add(collection)
    return false
  }

  /** The JSON text of a document as this transaction sees it, or null. */
  async function lookup(collection: string, unit: UnitOfWork, id: string): Promise<string | null> {
    const seen = unit.known.get(id)
    if (seen !== undefined) return seen
    if (unit.cleared || !(await exists(collection))) return null
    const rows = await query<{ data: string }>({ ...unit.sql.get, values: [id] }, collection)
    const text = rows[0]?.data ?? null
    unit.known.set(id, text)
    return text
  }

  async function flush(collection: string, unit: UnitOfWork): Promise<void> {
    if (!unit.cleared && unit.dirty.size === 0) return
    const ids: string[] = []
    const texts: string[] = []
    const gone: string[] = []
    for (const id of unit.dirty) {
      const text = unit.known.get(id)
      if (text === null || text === undefined) gone.push(id)
      else {
        ids.push(id)
        texts.push(text)
      }
    }
    const cleared = unit.cleared
    unit.dirty.clear()
    unit.cleared = false
    if (ids.length > 0) {
      await onConnection(
        (connected) => tables.ensure(connected, collection, [...unit.indexes], known),
        collection,
      )
      absent.delete(collection)
    } else if (!(await exists(collection))) return
    if (cleared) await query(unit.sql.clear, collection)
    else if (gone.length > 0) await query({ ...unit.sql.delete, values: [gone] }, collection)
    if (ids.length > 0) await query({ ...unit.sql.upsert, values: [ids, texts] }, collection)
  }

  function collection<T extends Document>(
    name: string,
    options?: { indexes?: readonly string[] },
  ): Collection<T> {
    assertCollectionName(name)
    const indexes = validateCollectionOptions(options)
    let unit = units.get(name)
    if (!unit) {
      const sql = collectionStatements(names.table(name))
      units.set(
        name,
        (unit = { known: new Map(), dirty: new Set(), cleared: false, indexes: new Set(), sql }),
      )
    }
    for (const field of indexes) unit.indexes.add(field)
    const u = unit
    const write = (id: string, text: string | null) => {
      u.known.set(id, text)
      u.dirty.add(id)
    }
    return {
      name,
      get: async (id) => {
        assertDocumentId(id)
        const text = await serial(() => lookup(name, u, id))
        return text === null ? undefined : (JSON.parse(text) as T)
      },
      put: async (id, document) => {
        assertDocumentId(id)
        const text = documentJson(document)
        await serial(async () => write(id, text))
      },
      patch: async (id, changes) => {
        assertDocumentId(id)
        const text = documentJson(changes, 'patch')
        return serial(async () => {
          const current = await lookup(name, u, id)
          if (current === null) return undefined
          const merged = mergePatch(JSON.parse(current) as T, JSON.parse(text) as Partial<T>)
          write(id, JSON.stringify(merged))
          return merged
        })
      },
      delete: async (id) => {
        assertDocumentId(id)
        return serial(async () => {
          if ((await lookup(name, u, id)) === null) return false
          write(id, null)
          return true
        })
      },
      find: async (findOptions) => {
        const statement = findQuery(names.table(name), validateFindOptions(findOptions))
        return serial(async () => {
          await flush(name, u)
          if (!(await exists(name))) return []
          const rows = await query<{ data: string }>(statement, name)
          return rows.map((row) => JSON.parse(row.data) as T)
        })
      },
      count: async (where) => {
        const statement = countQuery(names.table(name), validateWhere(where))
        return serial(async () => {
          await flush(name, u)
          if (!(await exists(name))) return 0
          return (await query<{ count: number }>(statement, name))[0]?.count ?? 0
        })
      },
      clear: async () =>
        serial(async () => {
          u.known.clear()
          u.dirty.clear()
          u.cleared = true
        }),
    }
  }

  const tx: DocumentTransaction = {
    collection,
    async saveCheckpoint(name, position, epoch) {
      assertCheckpointName(name)
      assertPosition(position)
      assertPosition(epoch, 'epoch')
      await serial(async () => {
        const saved = await query({
          text: `UPDATE ${names.checkpoints} SET position = $3, updated_at = now() WHERE name = $1 AND epoch = $2 RETURNING 1`,
          values: [name, epoch, position],
        })
        if (saved.length > 0) return
        const rows = await query<{ epoch: string }>({
          text: `SELECT epoch FROM ${names.checkpoints} WHERE name = $1`,
          values: [name],
        })
        // a fenced save dooms the transaction even when the work catches the error
        throw (fenced = fencedCheckpoint(name, epoch, rows[0] ? Number(rows[0].epoch) : undefined))
      })
    },
    async setActiveBuild(projection, build) {
      assertCheckpointName(projection, 'projection name')
      assertPosition(build, 'build number')
      await serial(async () => {
        await query({
          text: `INSERT INTO ${names.builds} (projection, build) VALUES ($1, $2)
                 ON CONFLICT (projection) DO UPDATE SET build = excluded.build, updated_at = now()`,
          values: [projection, build],
        })
      })
    },
  }

  /** Waits for every operation `work` started, awaited or not. */
  const settle = async () => {
    for (let seen = queue; ; seen = queue) {
      await seen
      if (seen === queue) return
    }
  }

  let broken: Error | undefined
  try {
    const result = await work(tx)
    await settle()
    active = false
    if (fenced) throw fenced
    for (const [name, unit] of units) await flush(name, unit)
    if (connecting) await query({ text: 'COMMIT' })
    tables.learn(known)
    return result
  } catch (error) {
    active = false
    await settle()
    if (connecting) {
      await connecting
        .then(
          (connected) => connected.query({ text: 'ROLLBACK' }),
          () => undefined,
        )
        .catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error('ROLLBACK failed')
        })
    }
    throw error
  } finally {
    client?.release(broken)
  }
}
