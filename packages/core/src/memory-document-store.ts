import {
  assertCheckpointName,
  assertCollectionName,
  assertDocumentId,
  assertPosition,
  cloneDocument,
  compareCodePoints,
  compareValues,
  documentJson,
  fencedCheckpoint,
  fieldValue,
  matchesWhere,
  mergePatch,
  validateCollectionOptions,
  validateFindOptions,
  validateWhere,
} from './document-helpers.js'
import type {
  Collection,
  CollectionOptions,
  Document,
  DocumentStore,
  DocumentTransaction,
  FindOptions,
  ProjectionCheckpoint,
} from './document-store.js'
import { ActaError } from './errors.js'

type Table = Map<string, Document>
/** A transaction's pending writes: a document, or null for a delete; `cleared` hides the base. */
type Overlay = { cleared: boolean; rows: Map<string, Document | null> }

/**
 * Documents in process memory, for tests and single-process prototypes. Transactions buffer
 * their writes and apply them at once on commit.
 *
 * @example
 * const documents = memoryDocumentStore()
 * await documents.collection('todos').put('t-1', { text: 'buy milk' })
 */
export function memoryDocumentStore(): DocumentStore {
  const tables = new Map<string, Table>()
  const checkpoints = new Map<string, ProjectionCheckpoint>()
  const active = new Map<string, number>()
  let closed = false

  const open = () => {
    if (closed) throw new ActaError('UNAVAILABLE', 'The document store is closed')
  }
  const table = (name: string): Table => {
    let rows = tables.get(name)
    if (!rows) tables.set(name, (rows = new Map<string, Document>()))
    return rows
  }

  function rowsOf(name: string, overlay: Overlay | undefined): Map<string, Document> {
    const base = overlay?.cleared ? new Map<string, Document>() : new Map(tables.get(name) ?? [])
    for (const [id, document] of overlay?.rows ?? []) {
      if (document === null) base.delete(id)
      else base.set(id, document)
    }
    return base
  }

  function collectionOf<T extends Document>(
    name: string,
    options: CollectionOptions | undefined,
    overlayFor: (() => Overlay) | undefined,
  ): Collection<T> {
    open()
    assertCollectionName(name)
    validateCollectionOptions(options)
    const current = () => rowsOf(name, overlayFor?.())
    const lookup = (id: string): Document | undefined => {
      const overlay = overlayFor?.()
      if (overlay?.rows.has(id)) return overlay.rows.get(id) ?? undefined
      return overlay?.cleared ? undefined : tables.get(name)?.get(id)
    }
    const write = (id: string, document: Document | null) => {
      if (overlayFor) overlayFor().rows.set(id, document)
      else if (document === null) tables.get(name)?.delete(id)
      else table(name).set(id, document)
    }
    return {
      name,
      async get(id) {
        assertDocumentId(id)
        const document = lookup(id)
        return document === undefined ? undefined : (cloneDocument(document) as T)
      },
      async put(id, document) {
        assertDocumentId(id)
        write(id, JSON.parse(documentJson(document)) as Document)
      },
      async patch(id, changes) {
        assertDocumentId(id)
        const copy = JSON.parse(documentJson(changes, 'patch')) as Partial<T>
        const existing = lookup(id)
        if (existing === undefined) return undefined
        const next = mergePatch(existing as T, copy)
        write(id, next)
        return cloneDocument(next)
      },
      async delete(id) {
        assertDocumentId(id)
        if (lookup(id) === undefined) return false
        write(id, null)
        return true
      },
      async find(options?: FindOptions) {
        const { where, orderBy, limit, offset } = validateFindOptions(options)
        const found = [...current()].filter(([, document]) => matchesWhere(document, where))
        found.sort(([idA, a], [idB, b]) => {
          for (const { field, direction } of orderBy) {
            const order = compareValues(fieldValue(a, field), fieldValue(b, field))
            if (order !== 0) return direction === 'asc' ? order : -order
          }
          return compareCodePoints(idA, idB)
        })
        const end = limit === undefined ? undefined : offset + limit
        return found.slice(offset, end).map(([, document]) => cloneDocument(document) as T)
      },
      async count(where) {
        const entries = validateWhere(where)
        let total = 0
        for (const document of current().values()) if (matchesWhere(document, entries)) total++
        return total
      },
      async clear() {
        if (overlayFor) {
          const overlay = overlayFor()
          overlay.cleared = true
          overlay.rows.clear()
        } else tables.get(name)?.clear()
      },
    }
  }

  const claim = (name: string, position?: number): ProjectionCheckpoint => {
    open()
    assertCheckpointName(name)
    if (position !== undefined) assertPosition(position)
    const previous = checkpoints.get(name)
    const next = {
      name,
      position: position ?? previous?.position ?? 0,
      epoch: (previous?.epoch ?? 0) + 1,
      updatedAt: new Date(),
    }
    checkpoints.set(name, next)
    return next
  }

  return {
    collection: (name, options) => collectionOf(name, options, undefined),
    async transaction(work) {
      open()
      const overlays = new Map<string, Overlay>()
      const saves = new Map<string, { position: number; epoch: number }>()
      const builds = new Map<string, number>()
      // a fenced save dooms the transaction even when the work catches the error
      let fenced: Error | undefined
      const tx: DocumentTransaction = {
        collection: (name, options) =>
          collectionOf(name, options, () => {
            let overlay = overlays.get(name)
            if (!overlay) overlays.set(name, (overlay = { cleared: false, rows: new Map() }))
            return overlay
          }),
        async saveCheckpoint(name, position, epoch) {
          assertCheckpointName(name)
          assertPosition(position)
          assertPosition(epoch, 'epoch')
          const current = checkpoints.get(name)?.epoch
          if (current !== epoch) throw (fenced = fencedCheckpoint(name, epoch, current))
          saves.set(name, { position, epoch })
        },
        async setActiveBuild(projection, build) {
          assertCheckpointName(projection, 'projection name')
          assertPosition(build, 'build number')
          builds.set(projection, build)
        },
      }
      const result = await work(tx)
      open()
      if (fenced) throw fenced
      for (const [name, { epoch }] of saves) {
        const current = checkpoints.get(name)?.epoch
        if (current !== epoch) throw fencedCheckpoint(name, epoch, current)
      }
      for (const [name, overlay] of overlays) {
        if (!overlay.cleared && overlay.rows.size === 0) continue
        if (overlay.cleared) tables.get(name)?.clear()
        for (const [id, document] of overlay.rows) {
          if (document === null) tables.get(name)?.delete(id)
          else table(name).set(id, document)
        }
      }
      for (const [name, { position, epoch }] of saves) {
        checkpoints.set(name, { name, position, epoch, updatedAt: new Date() })
      }
      for (const [projection, build] of builds) active.set(projection, build)
      return result
    },
    async collections() {
      open()
      return [...tables.keys()].sort(compareCodePoints)
    },
    async dropCollection(name) {
      open()
      assertCollectionName(name)
      tables.delete(name)
    },
    async loadCheckpoint(name) {
      open()
      assertCheckpointName(name)
      return checkpoints.get(name)
    },
    async checkpoints() {
      open()
      return [...checkpoints.values()].sort((a, b) => compareCodePoints(a.name, b.name))
    },
    async claimCheckpoint(name) {
      return claim(name)
    },
    async resetCheckpoint(name, position = 0) {
      return claim(name, position)
    },
    async deleteCheckpoint(name) {
      open()
      assertCheckpointName(name)
      checkpoints.delete(name)
    },
    async activeBuild(projection) {
      open()
      assertCheckpointName(projection, 'projection name')
      return active.get(projection)
    },
    async close() {
      closed = true
    },
  }
}
