import { inMemoryReadModel, type EventStore, type StoredEvent, type Transport } from '@acta/core'
import { streamOf, type ValueEvent } from './key-value.js'

/** What one replica knows of a key: its value (undefined once deleted) and how far its stream is applied. */
interface Entry {
  value: string | undefined
  version: number
  position: number
}

export interface ValuesModelOptions {
  store: EventStore
  transport: Transport
  /** Topic patterns the relay publishes the value events to. */
  topics: readonly string[]
  /** This replica's broadcast subscriber id: stable across restarts, so its queue is reused. */
  subscriberId: string
  /** Called after each event is applied: live feeds and requests waiting for their command. */
  onEvent: (event: StoredEvent<ValueEvent>) => void
}

/** Every key and value, held in this replica's memory. */
export interface ValuesModel {
  start(): Promise<void>
  close(): Promise<void>
  get(key: string): string | undefined
  /** Every key with a value, sorted by key. */
  list(): { key: string; value: string }[]
  /** Highest log position applied. */
  readonly position: number
  /**
   * Resolves true once this replica has applied every event of `key` at or before log position
   * `after` (false after `timeoutMs`): a read after it sees every write up to that position.
   */
  caughtUp(key: string, after: number, timeoutMs: number): Promise<boolean>
}

const valueTypes = new Set(['ValueHasBeenPut', 'ValueHasBeenDeleted'])

/**
 * The key-value read model: history from the log at start, then the value events the outbox relay
 * publishes, each replica as its own broadcast subscriber. GETs never touch the store.
 */
export function valuesModel(options: ValuesModelOptions): ValuesModel {
  const { store } = options
  const entries = new Map<string, Entry>()
  const model = inMemoryReadModel<Map<string, Entry>, ValueEvent>({
    store,
    initialState: entries,
    filter: (event) => valueTypes.has(event.type) && event.streamId.startsWith('value-'),
    evolve(state, event) {
      const entry = state.get(event.data.key)
      const value = event.type === 'ValueHasBeenPut' ? event.data.value : undefined
      if (entry === undefined)
        state.set(event.data.key, { value, version: event.streamVersion, position: event.globalPosition })
      else {
        entry.value = value
        entry.version = event.streamVersion
        entry.position = event.globalPosition
      }
      return state
    },
    transport: { transport: options.transport, topics: options.topics, subscriberId: options.subscriberId },
    onEvent: (event) => options.onEvent(event),
  })

  return {
    start: () => model.start(),
    close: () => model.stop(),
    get: (key) => entries.get(key)?.value,
    list() {
      const out: { key: string; value: string }[] = []
      for (const [key, entry] of entries) if (entry.value !== undefined) out.push({ key, value: entry.value })
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    },
    get position() {
      return model.position
    },
    async caughtUp(key, after, timeoutMs) {
      const entry = entries.get(key)
      if ((entry?.position ?? 0) >= after) return true
      // only the key's own events matter: ask the log which of them, up to `after`, are still missing
      const streamId = streamOf(key)
      const newer = await store.readStream(streamId, { from: (entry?.version ?? 0) + 1 })
      let target = 0
      for (const event of newer.events) if (event.globalPosition <= after) target = event.globalPosition
      if (target === 0) return true
      return model.waitFor(target, { streamId, timeoutMs })
    },
  }
}
