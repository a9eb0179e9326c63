import { ValidationError } from './errors.js'
import type { EventStore, Subscription } from './event-store.js'
import type { NewEvent, StoredEvent, StoredMetadata } from './messages.js'

/**
 * Raises an event of `type` stored under schema `fromVersion` to `fromVersion + 1`.
 * It may rename the event by returning another `type`.
 *
 * @example
 * const v1ToV2: Upcaster = {
 *   type: 'ValuePut', fromVersion: 1,
 *   upcast: ({ data }) => ({ data: { ...(data as object), tags: [] } }),
 * }
 */
export interface Upcaster {
  readonly type: string
  readonly fromVersion: number
  upcast(event: { type: string; data: unknown; metadata: StoredMetadata }): { type?: string; data: unknown }
}

export interface UpcastingOptions {
  /** Schema version stamped on new events of a type; defaults to one above its newest upcaster. */
  currentVersions?: Record<string, number>
}

/**
 * Wraps any event store so that events stored under an older schema version are upcast on every
 * read path (`readStream`, `readAll`, `subscribe`), and new events are stamped with the current
 * schema version of their type. Storage is never rewritten.
 */
export function upcastingEventStore(
  store: EventStore,
  upcasters: readonly Upcaster[],
  options: UpcastingOptions = {},
): EventStore {
  const chain = new Map<string, Upcaster>()
  const current = new Map<string, number>()
  for (const u of upcasters) {
    if (!Number.isSafeInteger(u.fromVersion) || u.fromVersion < 1) {
      throw new ValidationError(`Upcaster for ${u.type} needs a positive integer fromVersion`)
    }
    const key = `${u.fromVersion}:${u.type}`
    if (chain.has(key)) throw new ValidationError(`Two upcasters for ${u.type} version ${u.fromVersion}`)
    chain.set(key, u)
    current.set(u.type, Math.max(current.get(u.type) ?? 1, u.fromVersion + 1))
  }
  for (const [type, version] of Object.entries(options.currentVersions ?? {})) current.set(type, version)

  const upcast = (event: StoredEvent): StoredEvent => {
    let { type, data } = event
    let version = event.metadata.schemaVersion
    let step = chain.get(`${version}:${type}`)
    if (!step) return event
    for (let guard = 0; step && guard < 1000; guard++) {
      const next = step.upcast({ type, data, metadata: { ...event.metadata, schemaVersion: version } })
      type = next.type ?? type
      data = next.data
      version++
      step = chain.get(`${version}:${type}`)
    }
    return { ...event, type, data, metadata: { ...event.metadata, schemaVersion: version } }
  }

  const stamp = (event: NewEvent): NewEvent => {
    const version = current.get(event.type)
    if (version === undefined || event.metadata?.schemaVersion !== undefined) return event
    return { ...event, metadata: { ...event.metadata, schemaVersion: version } }
  }

  async function* mapAll(source: AsyncIterable<StoredEvent>): AsyncGenerator<StoredEvent> {
    for await (const event of source) yield upcast(event)
  }

  return {
    ...bindAll(store),
    append: (streamId, events, appendOptions) => store.append(streamId, events.map(stamp), appendOptions),
    async readStream(streamId, readOptions) {
      const result = await store.readStream(streamId, readOptions)
      return { ...result, events: result.events.map(upcast) }
    },
    readAll: (readOptions) => mapAll(store.readAll(readOptions)),
    async readByCorrelation(correlationId, readOptions) {
      return (await store.readByCorrelation(correlationId, readOptions)).map(upcast)
    },
    subscribe(subscribeOptions): Subscription {
      const inner = store.subscribe(subscribeOptions)
      const iterator = mapAll(inner)
      return {
        get position() {
          return inner.position
        },
        async close() {
          await inner.close()
          await iterator.return(undefined)
        },
        [Symbol.asyncIterator]: () => iterator,
      }
    },
  }
}

function bindAll(store: EventStore): EventStore {
  return {
    append: store.append.bind(store),
    readStream: store.readStream.bind(store),
    readAll: store.readAll.bind(store),
    readByCorrelation: store.readByCorrelation.bind(store),
    subscribe: store.subscribe.bind(store),
    headPosition: store.headPosition.bind(store),
    streamInfo: store.streamInfo.bind(store),
    deleteStream: store.deleteStream.bind(store),
    truncateStream: store.truncateStream.bind(store),
    setStreamMetadata: store.setStreamMetadata.bind(store),
    saveSnapshot: store.saveSnapshot.bind(store),
    loadSnapshot: store.loadSnapshot.bind(store),
    close: store.close.bind(store),
  }
}
