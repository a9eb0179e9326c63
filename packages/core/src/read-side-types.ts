import type { Collection, Document, DocumentStore } from './document-store.js'
import type { EventStore } from './event-store.js'
import type { LeaseStore } from './coordination.js'
import type { ParkedEvent, FailureReport } from './projection-build.js'
import type { Event } from './messages.js'
import type { ProjectionDefinition } from './projection.js'

export type RunnerState =
  | 'starting'
  | 'catching-up'
  | 'running'
  | 'rebuilding'
  | 'stopped'
  | 'faulted'
  /** Another instance holds the lease and runs it. */
  | 'standby'
  /** The store's active build has a newer version than this instance's definition. */
  | 'superseded'
  /** Seen from another process (`readSideAdmin`): no live instance holds it, yet it is not stopped. */
  | 'offline'

export type RunnerKind = 'projection' | 'process-manager' | 'event-log'

export interface RebuildProgress {
  readonly projection: string
  readonly build: number
  readonly position: number
  readonly headPosition: number
  /** 0 to 1, by log position. */
  readonly fraction: number
  readonly eventsPerSecond: number
  /** Estimated time left; undefined until a rate is known. */
  readonly etaMs: number | undefined
}

export interface BuildStatus {
  readonly build: number
  readonly version: number
  readonly state: 'building' | 'active' | 'retired'
  readonly position: number
  /** Running in this process. */
  readonly local: boolean
  readonly caughtUp: boolean
  readonly eventsPerSecond: number
}

/** What the dashboard and CLI show for one projection, process manager or event log. */
export interface ProjectionStatus {
  readonly name: string
  readonly kind: RunnerKind
  readonly version: number
  readonly state: RunnerState
  /** Lease holder, when known. */
  readonly owner: string | undefined
  readonly activeBuild: number | undefined
  /** Checkpoint of the active build. */
  readonly position: number
  readonly headPosition: number
  readonly lagEvents: number
  /** Age of the newest applied event while behind; 0 when caught up. */
  readonly lagMs: number
  readonly eventsPerSecond: number
  readonly lastError: FailureReport | undefined
  readonly parked: number
  readonly builds: readonly BuildStatus[]
  readonly rebuild: RebuildProgress | undefined
}

export interface ReadSideOptions {
  store: EventStore
  /** Where documents, checkpoints, builds and parked events live (one transaction per batch). */
  documents: DocumentStore
  leases: LeaseStore
  /** This instance's id in leases. Default a UUIDv7. */
  owner?: string
  /** Default 10 s; renewed (and controls re-read) every third of it. */
  leaseTtlMs?: number
  /** Events per transaction. Default 500. */
  batchSize?: number
  /** Attempts per failing event before it faults or is parked. Default 5. */
  attempts?: number
  /** First retry delay, doubled each attempt. Default 100 ms. */
  retryDelayMs?: number
  /** Told about handler failures (each attempt) and runner errors. */
  onError?: (error: FailureReport, projection: string) => void
  /** Rebuild progress, about once a second per rebuilding build. */
  onProgress?: (progress: RebuildProgress) => void
}

/**
 * Runs projections (and process managers, event logs) over one document store: leases, builds,
 * blue/green switches, status and controls. Queries go through `collection`, which always reads
 * the active build.
 *
 * @example
 * const readSide = createReadSide({ store, documents, leases })
 * readSide.register(todosProjection)
 * await readSide.start()
 * const open = await readSide.collection<Todo>('todos', 'todos').find({ where: { done: false } })
 */
export interface ReadSide {
  register<E extends Event>(definition: ProjectionDefinition<E>, options?: { kind?: RunnerKind }): void
  start(): Promise<void>
  /** Stops every runner of this instance (the persisted controls stay as they are). */
  stop(): Promise<void>
  status(): Promise<ProjectionStatus[]>
  /** A collection of the projection's active build. */
  collection<T extends Document = Document>(projection: string, collection: string): Collection<T>
  /** Resolves true once the active build has applied `position`, false after `timeoutMs`. */
  waitFor(projection: string, position: number, timeoutMs?: number): Promise<boolean>
  /** Stops the projection on every instance until `start`. */
  stopProjection(name: string): Promise<void>
  /** Starts a stopped projection, or resumes a faulted one from its checkpoint. */
  startProjection(name: string): Promise<void>
  /** Clears the active build's documents and replays the log into it (queries see it refill). */
  reset(name: string): Promise<void>
  /** Builds a fresh copy beside the active one and switches to it once caught up (blue/green). */
  rebuild(name: string): Promise<number>
  /** Drops a retired build's collections and checkpoint. */
  drop(name: string, build: number): Promise<void>
  parked(name: string): Promise<ParkedEvent[]>
}
