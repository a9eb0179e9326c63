import {
  prepareAppend,
  assertStreamId,
  checkExpectedVersion,
  normalizeExpectedVersion,
  toJson,
} from './append-validation.js'
import { ChangeSignal } from './change-signal.js'
import { ActaError, ValidationError } from './errors.js'
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ReadStreamOptions,
  ReadStreamResult,
  SaveSnapshot,
  Snapshot,
  StreamInfo,
  SubscribeOptions,
} from './event-store.js'
import { logSubscription, readAllPages } from './log-reader.js'
import type { NewEvent, StoredEvent } from './messages.js'
import {
  appendResult,
  sliceStream,
  validateCorrelationRead,
  validateReadStreamOptions,
  validateSnapshot,
} from './store-helpers.js'

interface MemoryStream {
  version: number
  deleted: boolean
  truncateBefore: number | undefined
  metadata: Record<string, unknown>
  events: StoredEvent[]
  snapshots: Snapshot[]
}

export interface MemoryEventStoreOptions {
  /** Longest sleep of an idle subscriber between checks; appends wake subscribers at once. */
  pollIntervalMs?: number
}

/**
 * An event store in process memory, for tests and prototypes. Same semantics as the durable
 * adapters (it passes the same conformance suite); stored events are deeply frozen.
 *
 * @example
 * const store = memoryEventStore()
 */
export function memoryEventStore(options: MemoryEventStoreOptions = {}): EventStore {
  const log: StoredEvent[] = []
  const streams = new Map<string, MemoryStream>()
  const byId = new Map<string, StoredEvent>()
  const changes = new ChangeSignal()
  let closed = false

  const open = (): void => {
    if (closed) throw new ActaError('UNAVAILABLE', 'The event store is closed')
  }
  const stream = (id: string): MemoryStream => {
    let s = streams.get(id)
    if (!s) {
      s = { version: 0, deleted: false, truncateBefore: undefined, metadata: {}, events: [], snapshots: [] }
      streams.set(id, s)
    }
    return s
  }
  const fetchAfter = async (after: number, limit: number): Promise<StoredEvent[]> => {
    open()
    // positions are 1-based and dense in this adapter, so the index is the position
    return log.slice(after, after + limit)
  }

  return {
    async append(
      streamId: string,
      events: readonly NewEvent[],
      appendOptions?: AppendOptions,
    ): Promise<AppendResult> {
      open()
      const prepared = prepareAppend(streamId, events, appendOptions)
      const first = byId.get(prepared.events[0]!.eventId)
      if (first)
        return duplicateResult(
          streamId,
          prepared.events.map((e) => e.eventId),
          byId,
        )
      for (const event of prepared.events) {
        if (byId.has(event.eventId))
          return duplicateResult(
            streamId,
            prepared.events.map((e) => e.eventId),
            byId,
          )
      }
      const s = stream(streamId)
      checkExpectedVersion(streamId, prepared.expectedVersion, s)
      const recordedAt = new Date()
      const stored = prepared.events.map(
        (event, i) =>
          deepFreeze({
            type: event.type,
            data: JSON.parse(event.dataJson) as unknown,
            metadata: JSON.parse(event.metadataJson) as StoredEvent['metadata'],
            eventId: event.eventId,
            streamId,
            streamVersion: s.version + i + 1,
            globalPosition: log.length + i + 1,
            recordedAt,
          }) as StoredEvent,
      )
      for (const event of stored) {
        log.push(event)
        byId.set(event.eventId, event)
        s.events.push(event)
      }
      s.version += stored.length
      s.deleted = false
      changes.notify()
      return appendResult(streamId, stored, false)
    },

    async readStream(streamId: string, readOptions: ReadStreamOptions = {}): Promise<ReadStreamResult> {
      open()
      assertStreamId(streamId)
      validateReadStreamOptions(readOptions)
      const s = streams.get(streamId)
      if (!s || s.deleted) return { streamId, events: [], version: s?.version ?? 0, exists: false }
      const visible = s.truncateBefore
        ? s.events.filter((e) => e.streamVersion >= s.truncateBefore!)
        : s.events
      return {
        streamId,
        events: sliceStream(visible, readOptions),
        version: s.version,
        exists: s.version > 0,
      }
    },

    readAll: (readOptions) => readAllPages(fetchAfter, readOptions),

    async readByCorrelation(correlationId, readOptions) {
      open()
      const limit = validateCorrelationRead(correlationId, readOptions)
      const found: StoredEvent[] = []
      for (const event of log) {
        if (event.metadata.correlationId !== correlationId) continue
        if (found.push(event) >= limit) break
      }
      return found
    },

    subscribe: (subscribeOptions?: SubscribeOptions) =>
      logSubscription(fetchAfter, changes, { pollIntervalMs: options.pollIntervalMs, ...subscribeOptions }),

    async headPosition() {
      open()
      return log.length
    },

    async streamInfo(streamId: string): Promise<StreamInfo> {
      open()
      assertStreamId(streamId)
      const s = streams.get(streamId)
      return {
        streamId,
        version: s?.version ?? 0,
        exists: !!s && s.version > 0 && !s.deleted,
        deleted: s?.deleted ?? false,
        truncateBefore: s?.truncateBefore,
        metadata: structuredClone(s?.metadata ?? {}),
      }
    },

    async deleteStream(streamId: string, deleteOptions?: AppendOptions) {
      open()
      assertStreamId(streamId)
      const expected = normalizeExpectedVersion(deleteOptions?.expectedVersion)
      const s = stream(streamId)
      checkExpectedVersion(streamId, expected, s)
      if (s.version > 0) {
        s.deleted = true
        s.truncateBefore = s.version + 1
      }
    },

    async truncateStream(streamId: string, before: number) {
      open()
      assertStreamId(streamId)
      if (!Number.isSafeInteger(before) || before < 1) {
        throw new ValidationError('truncateStream needs a positive integer version', { streamId, before })
      }
      stream(streamId).truncateBefore = before
    },

    async setStreamMetadata(streamId: string, metadata: Record<string, unknown>) {
      open()
      assertStreamId(streamId)
      if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
        throw new ValidationError('Stream metadata must be an object', { streamId })
      }
      stream(streamId).metadata = JSON.parse(toJson(metadata, 'stream metadata', streamId)) as Record<
        string,
        unknown
      >
    },

    async saveSnapshot(streamId: string, snapshot: SaveSnapshot) {
      open()
      assertStreamId(streamId)
      const { version, schemaVersion, stateJson } = validateSnapshot(streamId, snapshot)
      const s = stream(streamId)
      s.snapshots = s.snapshots.filter((x) => x.version !== version)
      s.snapshots.push({
        version,
        schemaVersion,
        state: JSON.parse(stateJson) as unknown,
        createdAt: new Date(),
      })
      s.snapshots.sort((a, b) => a.version - b.version)
    },

    async loadSnapshot<State>(streamId: string, loadOptions: { maxVersion?: number } = {}) {
      open()
      assertStreamId(streamId)
      const max = loadOptions.maxVersion ?? Number.POSITIVE_INFINITY
      const found = streams.get(streamId)?.snapshots.findLast((x) => x.version <= max)
      return found ? ({ ...found, state: structuredClone(found.state) } as Snapshot<State>) : undefined
    },

    async close() {
      closed = true
      changes.notify()
    },
  }
}

function duplicateResult(
  streamId: string,
  ids: readonly string[],
  byId: Map<string, StoredEvent>,
): AppendResult {
  const events = ids.map((id) => byId.get(id))
  return assertDuplicate(streamId, ids, events)
}

/**
 * Decides whether an append whose ids already exist is a faithful retry (same ids, same stream,
 * consecutive versions) and builds the first result; anything else is an {@link ActaError} 'IDEMPOTENCY'.
 */
export function assertDuplicate(
  streamId: string,
  ids: readonly string[],
  found: readonly (StoredEvent | undefined)[],
): AppendResult {
  const events = found.filter((e): e is StoredEvent => e !== undefined)
  const faithful =
    events.length === ids.length &&
    events.every(
      (e, i) =>
        e.streamId === streamId && e.eventId === ids[i] && e.streamVersion === events[0]!.streamVersion + i,
    )
  if (!faithful) {
    throw new ActaError('IDEMPOTENCY', 'Event ids were already used by a different append', {
      details: { streamId, eventIds: events.map((e) => e.eventId) },
    })
  }
  return appendResult(streamId, events, true)
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
