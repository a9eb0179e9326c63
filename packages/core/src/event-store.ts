import type { NewEvent, StoredEvent } from './messages.js'

/**
 * What the caller believes about the stream before appending:
 * - `'any'`: no check;
 * - `'no-stream'`: the stream has no events (or was soft-deleted);
 * - `'stream-exists'`: the stream has at least one event and is not deleted;
 * - `n`: the stream's last event has version `n` (`0` is the same as `'no-stream'`).
 */
export type ExpectedVersion = 'any' | 'no-stream' | 'stream-exists' | number

export interface AppendOptions {
  /** Checked inside the store, atomically with the write. Defaults to `'any'`. */
  expectedVersion?: ExpectedVersion
}

export interface AppendResult {
  readonly streamId: string
  /** The stream's version after the append: the version of its last event. */
  readonly version: number
  /** Global position of the last appended event. */
  readonly position: number
  /** The events as stored, in order. */
  readonly events: readonly StoredEvent[]
  /** True when every event id was already stored by an earlier append: nothing was written. */
  readonly duplicate: boolean
}

export interface ReadStreamOptions {
  /** `'forwards'` (default) from the oldest event, `'backwards'` from the newest. */
  direction?: 'forwards' | 'backwards'
  /** First stream version to return (inclusive). Defaults to the start for the chosen direction. */
  from?: number
  /** Maximum number of events to return. */
  limit?: number
}

export interface ReadStreamResult {
  readonly streamId: string
  /** Events in the requested direction; events before `truncateBefore` and of deleted streams are hidden. */
  readonly events: readonly StoredEvent[]
  /** The stream's current version (its last event's version, hidden or not); 0 if it never had events. */
  readonly version: number
  /** False when the stream has no events or was soft-deleted. */
  readonly exists: boolean
}

export interface ReadAllOptions {
  /** Resume after this global position (exclusive); 0 or absent reads from the beginning. */
  after?: number
  /** Stop after this many events. */
  limit?: number
  /** Events fetched per round trip. */
  batchSize?: number
}

export interface ReadCorrelationOptions {
  /** At most this many events, the first in log order. Default 1,000; at most 10,000. */
  limit?: number
}

export interface SubscribeOptions extends ReadAllOptions {
  /** Stops the subscription; iteration then ends normally. */
  signal?: AbortSignal
  /** Called each time the subscriber has delivered everything committed so far. */
  onCaughtUp?: (position: number) => void
}

/**
 * A catch-up subscription to the global log: history first, then live events, in log order,
 * each committed event exactly once. Iterate it with `for await`; `break` or `close()` ends it.
 */
export interface Subscription extends AsyncIterable<StoredEvent> {
  /** Global position of the last event delivered (the checkpoint to resume after). */
  readonly position: number
  close(): Promise<void>
}

export interface StreamInfo {
  readonly streamId: string
  readonly version: number
  readonly exists: boolean
  readonly deleted: boolean
  /** Events with a lower version are hidden from `readStream`. */
  readonly truncateBefore: number | undefined
  /** User metadata set with `setStreamMetadata`. */
  readonly metadata: Readonly<Record<string, unknown>>
}

export interface Snapshot<State = unknown> {
  /** Stream version the state was folded up to (inclusive). */
  readonly version: number
  readonly state: State
  /** Version of the state's shape; a pipeline ignores snapshots of another version. */
  readonly schemaVersion: number
  readonly createdAt: Date
}

export interface SaveSnapshot<State = unknown> {
  version: number
  state: State
  schemaVersion?: number
}

/**
 * Append-only log of events grouped into streams.
 *
 * Order: every event has a unique `globalPosition`. The *log order* is the order in which events
 * became visible; `readAll` and `subscribe` deliver in log order, and a reader resumes with
 * `after: lastEvent.globalPosition`. Adapters whose positions can be taken out of commit order
 * (PostgreSQL) document how they keep the log order gap-free; there, `readAll`, `subscribe` and
 * `headPosition` may trail the newest append for as long as an older transaction on the server
 * is still running (`readStream` never does).
 *
 * @example
 * const store = memoryEventStore()
 * await store.append('cart-1', [{ type: 'ItemAdded', data: { sku: 'a' } }], { expectedVersion: 'no-stream' })
 * const { events, version } = await store.readStream('cart-1')
 */
export interface EventStore {
  /** Atomically appends a batch. Idempotent by `eventId`: a retry returns the first result and writes nothing. */
  append(streamId: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>
  readStream(streamId: string, options?: ReadStreamOptions): Promise<ReadStreamResult>
  /** The global log in log order, read in batches. */
  readAll(options?: ReadAllOptions): AsyncIterable<StoredEvent>
  /**
   * The events whose `metadata.correlationId` is `correlationId`, across streams, in log order:
   * one request's flow through commands, events and process managers. Adapters answer it from an
   * index, not by scanning the log. Events of deleted or truncated streams are included, as in
   * `readAll`.
   */
  readByCorrelation(correlationId: string, options?: ReadCorrelationOptions): Promise<readonly StoredEvent[]>
  /** Catch-up then live. Never skips and never repeats an event. */
  subscribe(options?: SubscribeOptions): Subscription
  /** Global position of the newest event visible to readers; 0 for an empty store. */
  headPosition(): Promise<number>
  streamInfo(streamId: string): Promise<StreamInfo>
  /**
   * Soft-deletes a stream: it reads as empty and not existing, and `truncateBefore` becomes its
   * version + 1. Its events stay in the global log. A later append recreates it, numbering on from
   * its last version, and only the new events are visible.
   */
  deleteStream(streamId: string, options?: AppendOptions): Promise<void>
  /** Hides events with a version lower than `before` from `readStream`. */
  truncateStream(streamId: string, before: number): Promise<void>
  /** Replaces the stream's user metadata. */
  setStreamMetadata(streamId: string, metadata: Record<string, unknown>): Promise<void>
  saveSnapshot(streamId: string, snapshot: SaveSnapshot): Promise<void>
  /** The newest snapshot, or the newest at or below `maxVersion`. */
  loadSnapshot<State = unknown>(
    streamId: string,
    options?: { maxVersion?: number },
  ): Promise<Snapshot<State> | undefined>
  close(): Promise<void>
}
