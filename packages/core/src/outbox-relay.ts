import type { CheckpointStore, LeaseStore } from './coordination.js'
import { defaultEventTopic, eventToMessage } from './event-messages.js'
import type { EventStore } from './event-store.js'
import { uuidv7 } from './ids.js'
import type { StoredEvent } from './messages.js'
import type { Transport } from './transport.js'

export interface OutboxRelayOptions {
  store: EventStore
  transport: Transport
  checkpoints: CheckpointStore
  leases: LeaseStore
  /** Checkpoint and lease name. Default `outbox-relay`. */
  name?: string
  /** This instance's id in the lease. Default a UUIDv7. */
  owner?: string
  /** Lease time to live; renewed every third of it. Default 10 s. */
  leaseTtlMs?: number
  /** Topic an event is published to. Default `<category>.<type>`. */
  topic?: (event: StoredEvent) => string
  /** Publishes awaited together before the checkpoint moves. Default 256. */
  batchSize?: number
  /** Told about failures; the relay backs off and resumes from its checkpoint. */
  onError?: (error: unknown) => void
}

export type RelayState = 'starting' | 'standby' | 'active' | 'retrying' | 'stopped'

export interface RelayStatus {
  readonly state: RelayState
  readonly owner: string
  /** Last checkpointed position. */
  readonly position: number
  /** Events published by this instance since it started. */
  readonly published: number
  readonly lastError: string | undefined
}

export interface OutboxRelay {
  status(): RelayStatus
  stop(): Promise<void>
}

/**
 * Publishes every event of the global log to the transport at least once, in log order within
 * each stream (streams go out concurrently).
 * Exactly one instance is active, by a renewed lease; the checkpoint moves only after the
 * transport confirmed every event up to it, and only while the lease is still held (fencing).
 * Several instances may run: the others wait in standby and take over when the lease expires.
 *
 * @example
 * const relay = startOutboxRelay({ store, transport, checkpoints, leases })
 * // … on shutdown
 * await relay.stop()
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { store, transport, checkpoints, leases } = options
  const name = options.name ?? 'outbox-relay'
  const owner = options.owner ?? uuidv7()
  const ttl = options.leaseTtlMs ?? 10_000
  const topic = options.topic ?? defaultEventTopic
  const batchSize = options.batchSize ?? 256
  const stopping = new AbortController()
  let state: RelayState = 'starting'
  let position = 0
  let published = 0
  let lastError: string | undefined

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        stopping.signal.removeEventListener('abort', done)
        resolve()
      }
      stopping.signal.addEventListener('abort', done, { once: true })
    })

  async function lead(): Promise<void> {
    const lost = new AbortController()
    const signal = AbortSignal.any([lost.signal, stopping.signal])
    const renew = setInterval(() => {
      leases.acquire(name, owner, ttl).then(
        (held) => held || lost.abort(),
        () => lost.abort(),
      )
    }, ttl / 3)
    let window: Promise<void>[] = []
    const lastOfStream = new Map<string, Promise<boolean>>()
    let windowEnd = position
    let failure: unknown
    const flush = async (): Promise<void> => {
      const pending = window
      const end = windowEnd
      const chains = [...lastOfStream]
      window = []
      await Promise.all(pending)
      // forget only chains nobody extended meanwhile: the loop keeps publishing during a flush
      for (const [stream, chain] of chains)
        if (lastOfStream.get(stream) === chain) lastOfStream.delete(stream)
      if (failure) return
      if (end > position) {
        if (!(await checkpoints.save(name, end, { lease: { name, owner } }))) lost.abort()
        else position = end
      }
    }
    let flushing: Promise<void> = Promise.resolve()
    const requestFlush = () => {
      flushing = flushing.then(flush).catch((error: unknown) => {
        failure ??= error
        lost.abort()
      })
    }
    try {
      position = (await checkpoints.load(name)) ?? 0
      state = 'active'
      const subscription = store.subscribe({ after: position, batchSize, signal, onCaughtUp: requestFlush })
      for await (const event of subscription) {
        // one stream's events go out one after another, so a failed publish can never let a later
        // event of the same stream overtake it; different streams go out concurrently
        const previous = lastOfStream.get(event.streamId) ?? Promise.resolve(true)
        const sent = previous.then((ok) =>
          ok && !failure
            ? transport.publish(topic(event), eventToMessage(event)).then(
                () => {
                  published++
                  return true
                },
                (error: unknown) => {
                  failure ??= error
                  lost.abort()
                  return false
                },
              )
            : false,
        )
        lastOfStream.set(event.streamId, sent)
        window.push(sent.then(() => undefined))
        windowEnd = event.globalPosition
        if (window.length >= batchSize) {
          requestFlush()
          await flushing
        }
        if (failure) break
      }
      requestFlush()
      await flushing
      if (failure)
        throw failure instanceof Error ? failure : new Error('Publishing failed', { cause: failure })
    } finally {
      clearInterval(renew)
    }
  }

  const running = (async () => {
    while (!stopping.signal.aborted) {
      try {
        if (!(await leases.acquire(name, owner, ttl))) {
          state = 'standby'
          await pause(ttl / 3)
          continue
        }
        await lead()
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error)
        state = 'retrying'
        options.onError?.(error)
        await pause(500)
      }
    }
  })()

  return {
    status: () => ({ state, owner, position, published, lastError }),
    async stop() {
      stopping.abort()
      await running
      state = 'stopped'
      await leases.release(name, owner).catch(() => undefined)
    },
  }
}
