import { assertCollectionName } from './document-helpers.js'
import type { Collection, CollectionOptions, Document } from './document-store.js'
import { ValidationError } from './errors.js'
import { streamCategory } from './event-messages.js'
import type { Event, StoredEvent } from './messages.js'

/** What a projection handler works with: its collections, inside the batch's transaction. */
export interface ProjectionContext {
  /** One of the projection's declared collections, in the build being written. */
  collection<T extends Document = Document>(name: string): Collection<T>
}

export type ProjectionHandler<E extends Event = Event> = (
  event: StoredEvent<E>,
  context: ProjectionContext,
) => Promise<void> | void

/** Handlers by event type; `'*'` receives every event the source lets through. */
export type ProjectionHandlers<E extends Event = Event> = {
  readonly [T in E['type']]?: ProjectionHandler<EventOfType<E, T>>
} & { readonly '*'?: ProjectionHandler<E> }

/** The member of `E` with type `T`; all of `E` when `E` is not a union of literal types. */
export type EventOfType<E extends Event, T extends string> = [Extract<E, { type: T }>] extends [never]
  ? E
  : Extract<E, { type: T }>

/** Which events a projection reads; by default every event. */
export interface ProjectionSource {
  /** Stream categories (the part of the stream id before the first `-`). */
  categories?: readonly string[]
  /** Event types; by default the types the projection has handlers for (all when it has `'*'`). */
  types?: readonly string[]
}

/**
 * A projection: a named, versioned fold of the log into read-model documents.
 * Bumping `version` makes the runtime build the new version beside the old one (blue/green).
 *
 * @example
 * const todos = defineProjection<TodoEvent>({
 *   name: 'todos',
 *   version: 1,
 *   collections: { todos: { indexes: ['assigneeId'] } },
 *   handlers: {
 *     TodoWasPosted: (e, ctx) => ctx.collection('todos').put(e.data.todoId, { text: e.data.text, done: false }),
 *     TodoWasMarkedAsDone: async (e, ctx) => void (await ctx.collection('todos').patch(e.data.todoId, { done: true })),
 *   },
 * })
 */
export interface ProjectionDefinition<E extends Event = Event> {
  /** Lower-case letters, digits and `_`; also names the lease and checkpoint. */
  readonly name: string
  /** What the status reports it as. Default `'projection'`. */
  readonly kind?: 'projection' | 'process-manager' | 'event-log'
  /** A positive integer; raise it when handlers change what they write. */
  readonly version: number
  /** Collections the projection writes, by logical name; physical names carry the build. */
  readonly collections: Readonly<Record<string, CollectionOptions>>
  readonly handlers: ProjectionHandlers<E>
  readonly source?: ProjectionSource
  /** Runs in the first transaction of every build, before any event. */
  init?(context: ProjectionContext): Promise<void>
  /**
   * Runs after each committed batch (and when a build starts), outside the transaction, with the
   * build's collections. For side effects recorded by handlers in an outbox collection: send them,
   * then delete them. A failure is reported and retried; it never rolls back the batch.
   */
  afterCommit?(context: ProjectionContext): Promise<void>
  /** Runs when the projection is reset in place; the default clears its collections. */
  reset?(context: ProjectionContext): Promise<void>
  /**
   * What happens to an event whose handler keeps failing after the retries: `'fault'` (default)
   * stops the projection in the faulted state until it is started again; `'park'` records the
   * event as parked (reported in the status) and goes on.
   */
  readonly onFailure?: 'fault' | 'park'
}

const projectionNamePattern = /^[a-z][a-z0-9_]{0,31}$/

/** Checks a definition once, so mistakes surface at start-up rather than at the first event. */
export function defineProjection<E extends Event = Event>(
  definition: ProjectionDefinition<E>,
): ProjectionDefinition<E> {
  if (!projectionNamePattern.test(definition.name)) {
    throw new ValidationError(
      `Projection name ${JSON.stringify(definition.name)} must match ${String(projectionNamePattern)}`,
    )
  }
  if (!Number.isInteger(definition.version) || definition.version < 1) {
    throw new ValidationError(`Projection "${definition.name}" needs a positive integer version`)
  }
  for (const name of Object.keys(definition.collections)) {
    assertCollectionName(name)
    if (name.length > 40) {
      throw new ValidationError(`Collection name "${name}" leaves no room for the build suffix (max 40)`)
    }
  }
  if (Object.keys(definition.handlers).length === 0) {
    throw new ValidationError(`Projection "${definition.name}" has no handlers`)
  }
  return definition
}

/** The physical collection of a logical collection in one build. */
export function buildCollectionName(collection: string, build: number): string {
  return `${collection}_b${build}`
}

/** The checkpoint (and lease) name of one build: `<projection>@<build>`. */
export function buildName(projection: string, build: number): string {
  return `${projection}@${build}`
}

/** A predicate for the events a projection reads, from its source and handlers. */
export function eventFilter(definition: {
  handlers: object
  source?: ProjectionSource | undefined
}): (event: StoredEvent) => boolean {
  const handled = Object.keys(definition.handlers)
  const types = definition.source?.types ?? (handled.includes('*') ? undefined : handled)
  const typeSet = types && new Set(types)
  const categories = definition.source?.categories && new Set(definition.source.categories)
  return (event) =>
    (typeSet === undefined || typeSet.has(event.type)) &&
    (categories === undefined || categories.has(streamCategory(event.streamId)))
}
