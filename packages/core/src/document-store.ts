/**
 * Read-model documents: JSON objects kept by id in named collections, found by field equality,
 * plus the bookkeeping a projection needs in the same database (fenced checkpoints, the active
 * build of each projection), so the documents and the checkpoint commit in one transaction.
 */

/** A document is a JSON object. */
export type Document = Record<string, unknown>

/** Equality on top-level or dotted fields (`'address.city'`); values are JSON scalars. */
export type Where = Readonly<Record<string, string | number | boolean | null>>

export interface FindOptions {
  where?: Where
  /** Sort keys applied in order; numbers sort numerically, strings by code point. Default by id. */
  orderBy?: readonly { field: string; direction?: 'asc' | 'desc' }[]
  limit?: number
  offset?: number
}

export interface CollectionOptions {
  /** Fields queried by equality; the adapter indexes them. Dotted paths allowed. */
  indexes?: readonly string[]
}

/**
 * One collection of documents of type `T`.
 *
 * @example
 * const todos = documents.collection<Todo>('todos', { indexes: ['assigneeId'] })
 * await todos.put('t-1', { id: 't-1', assigneeId: 'u-1', done: false })
 * const open = await todos.find({ where: { assigneeId: 'u-1', done: false }, limit: 20 })
 */
export interface Collection<T extends Document = Document> {
  readonly name: string
  get(id: string): Promise<T | undefined>
  /** Inserts or replaces the whole document. */
  put(id: string, document: T): Promise<void>
  /** Shallow-merges `changes` into the document; undefined (and nothing written) when it does not exist. */
  patch(id: string, changes: Partial<T>): Promise<T | undefined>
  /** True when a document was deleted. */
  delete(id: string): Promise<boolean>
  find(options?: FindOptions): Promise<T[]>
  count(where?: Where): Promise<number>
  /** Deletes every document of the collection. */
  clear(): Promise<void>
}

/** The durable state of one projection build, kept beside its documents. */
export interface ProjectionCheckpoint {
  /** `<projection>@<build>`, for example `todos@3`. */
  readonly name: string
  readonly position: number
  /** Bumped by every `claim`; a save under an older epoch is refused (fencing). */
  readonly epoch: number
  readonly updatedAt: Date
}

/**
 * Writes inside `DocumentStore.transaction`. Reads see the transaction's own writes; adapters may
 * buffer writes and flush them together before commit, so a projection batch is one round trip.
 */
export interface DocumentTransaction {
  collection<T extends Document = Document>(name: string, options?: CollectionOptions): Collection<T>
  /**
   * Moves a checkpoint in this transaction. Throws a CONFLICT ActaError when `epoch` is no longer
   * the checkpoint's current epoch (or it was never claimed); the whole transaction then rolls back,
   * even if `work` catches the error.
   */
  saveCheckpoint(name: string, position: number, epoch: number): Promise<void>
  /** Points `projection` at `build` in this transaction (the blue/green switch). */
  setActiveBuild(projection: string, build: number): Promise<void>
}

/**
 * The read-model document store port: memory, SQLite and PostgreSQL (JSONB) adapters pass the
 * same conformance suite (`documentStoreSuite` in `@acta/testing`).
 *
 * @example
 * await documents.transaction(async (tx) => {
 *   await tx.collection('todos').put('t-1', { text: 'buy milk' })
 *   await tx.saveCheckpoint('todos@1', event.globalPosition, epoch)
 * })
 */
export interface DocumentStore {
  /**
   * A collection outside any transaction; each write commits on its own. Its table is created by
   * the first write (reading a collection that was never written finds nothing).
   */
  collection<T extends Document = Document>(name: string, options?: CollectionOptions): Collection<T>
  /**
   * Runs `work` in one transaction: everything it writes commits together, or nothing does. When
   * `work` throws, the transaction rolls back and the error is rethrown. Use only `tx` inside `work`:
   * the store's own methods are outside the transaction and commit on their own.
   *
   * An adapter that holds no lock while `work` runs (SQLite) validates at commit instead: when a
   * document the work read through `tx` (get, patch, delete) changed meanwhile, the commit is
   * refused with a CONCURRENCY ActaError and nothing is written; run the transaction again.
   */
  transaction<R>(work: (tx: DocumentTransaction) => Promise<R>): Promise<R>
  /** Names of the collections that exist (written to and not dropped since), in code point order. */
  collections(): Promise<string[]>
  /** Drops a collection and its documents; no error when it does not exist. */
  dropCollection(name: string): Promise<void>
  /** The checkpoint of a projection build, if it was ever claimed. */
  loadCheckpoint(name: string): Promise<ProjectionCheckpoint | undefined>
  /** Every checkpoint, by name. */
  checkpoints(): Promise<ProjectionCheckpoint[]>
  /**
   * Takes ownership of a checkpoint for writing: bumps and returns its epoch (creating it at
   * position 0 when new). Earlier owners' saves are refused from then on.
   */
  claimCheckpoint(name: string): Promise<ProjectionCheckpoint>
  /** Sets a checkpoint back to `position` (default 0) and bumps its epoch. */
  resetCheckpoint(name: string, position?: number): Promise<ProjectionCheckpoint>
  deleteCheckpoint(name: string): Promise<void>
  /** The build a projection's queries read, or undefined before its first build completed. */
  activeBuild(projection: string): Promise<number | undefined>
  close(): Promise<void>
}

/** Collection and field names adapters accept: they become table names and JSON paths. */
export const collectionNamePattern = /^[a-z][a-z0-9_]{0,47}$/
export const fieldPathPattern = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,7}$/
