import { messageToEvent } from './event-messages.js'
import type { EventStore, Subscription } from './event-store.js'
import type { Event, StoredEvent } from './messages.js'
import type { Consumer, Transport } from './transport.js'

export interface InMemoryReadModelOptions<S, E extends Event> {
  /** Where history is read at start (and, without `transport`, live events too). */
  store: EventStore
  initialState: S
  /** Folds one event into the state. May mutate and return `state` for speed. */
  evolve: (state: S, event: StoredEvent<E>) => S
  /** Which events matter; by default all. */
  filter?: (event: StoredEvent) => boolean
  /**
   * Live events from the transport instead of the log (events another service's relay published),
   * subscribed as a broadcast subscriber so every replica receives every event. Without
   * `subscriberId` its queue lives only while the model runs; with one it is durable (and stays
   * behind when the replica goes away for good).
   */
  transport?: { transport: Transport; topics: readonly string[]; subscriberId?: string }
  /** Called after each applied event (for live feeds). */
  onEvent?: (event: StoredEvent<E>, state: S) => void
}

/**
 * A read model held in process memory: loaded from the log at start, then refreshed by live events
 * from the log or the transport. Each replica holds its own copy; nothing is persisted.
 * Events are applied once each, in order within each stream; a gap in a stream (a lost or
 * reordered message) is filled from the store.
 *
 * @example
 * const values = inMemoryReadModel({ store, initialState: new Map<string, string>(), evolve })
 * await values.start()
 * values.state().get('k')
 */
export interface InMemoryReadModel<S> {
  start(): Promise<void>
  stop(): Promise<void>
  state(): S
  /** Highest global position applied. */
  readonly position: number
  /**
   * Resolves true once the event at `position` is applied — of `streamId` when given (exact for
   * read-your-writes), else once any event at or after it is — or false after `timeoutMs`.
   */
  waitFor(position: number, options?: { streamId?: string; timeoutMs?: number }): Promise<boolean>
}

export function inMemoryReadModel<S, E extends Event = Event>(
  options: InMemoryReadModelOptions<S, E>,
): InMemoryReadModel<S> {
  const { store } = options
  let state = options.initialState
  let position = 0
  const streams = new Map<string, { version: number; position: number }>()
  const waiters = new Set<() => void>()
  let subscription: Subscription | undefined
  let consumer: Consumer | undefined
  let pumping: Promise<void> | undefined
  let serial: Promise<void> = Promise.resolve()

  function apply(event: StoredEvent) {
    const seen = streams.get(event.streamId)
    if (seen && event.streamVersion <= seen.version) return
    streams.set(event.streamId, { version: event.streamVersion, position: event.globalPosition })
    if (event.globalPosition > position) position = event.globalPosition
    if (options.filter && !options.filter(event)) return
    state = options.evolve(state, event as StoredEvent<E>)
    options.onEvent?.(event as StoredEvent<E>, state)
    for (const wake of waiters) wake()
  }

  /** Applies a transported event, first filling any gap in its stream from the store. */
  async function applyLive(event: StoredEvent) {
    const seen = streams.get(event.streamId)?.version ?? 0
    if (event.streamVersion > seen + 1) {
      const missing = await store.readStream(event.streamId, { from: seen + 1 })
      for (const earlier of missing.events) if (earlier.streamVersion < event.streamVersion) apply(earlier)
    }
    apply(event)
  }

  const appliedAt = (target: number, streamId: string | undefined) =>
    streamId === undefined ? position >= target : (streams.get(streamId)?.position ?? 0) >= target

  return {
    async start() {
      if (options.transport) {
        const buffered: StoredEvent[] = []
        let loaded = false
        const { transport, topics, subscriberId } = options.transport
        consumer = await transport.subscribe(
          topics,
          (message) => {
            const event = messageToEvent(message)
            if (!loaded) buffered.push(event)
            else serial = serial.then(() => applyLive(event))
            return serial
          },
          // without a stable name, a broadcast subscriber that only lives as long as this model: the
          // model reloads from the log at start, so it needs nothing published while it was down
          subscriberId === undefined ? {} : { subscriberId },
        )
        for await (const event of store.readAll()) apply(event)
        loaded = true
        for (const event of buffered) await applyLive(event)
        return
      }
      let ready!: () => void
      const caughtUp = new Promise<void>((resolve) => (ready = resolve))
      subscription = store.subscribe({ onCaughtUp: () => ready() })
      const live = subscription
      pumping = (async () => {
        for await (const event of live) apply(event)
      })()
      await caughtUp
    },
    async stop() {
      await consumer?.close()
      await subscription?.close()
      await pumping
      await serial
    },
    state: () => state,
    get position() {
      return position
    },
    async waitFor(target, { streamId, timeoutMs = 5000 } = {}) {
      if (appliedAt(target, streamId)) return true
      return new Promise<boolean>((resolve) => {
        const check = () => {
          if (!appliedAt(target, streamId)) return
          finish(true)
        }
        const finish = (result: boolean) => {
          clearTimeout(timer)
          waiters.delete(check)
          resolve(result)
        }
        const timer = setTimeout(() => finish(appliedAt(target, streamId)), timeoutMs)
        waiters.add(check)
      })
    },
  }
}
