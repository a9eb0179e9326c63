import type { CheckpointStore, LeaseStore } from './coordination.js'
import type { EventStore } from './event-store.js'

/**
 * What a consumer is, as far as its checkpoint's name tells: `outbox-relay` for the relay's name
 * (`outbox-relay`, or any name ending in `relay`), `log-subscription` for a service's `s.log`
 * default (`log`, or a name starting with `log`), else `other`.
 */
export type ConsumerKind = 'outbox-relay' | 'log-subscription' | 'other'

/** One checkpointed reader of the global log that is not a projection. */
export interface ConsumerStatus {
  readonly name: string
  readonly kind: ConsumerKind
  /** Last saved position. */
  readonly position: number
  readonly headPosition: number
  /** Events between the checkpoint and the head of the log. */
  readonly lagEvents: number
  /** When the checkpoint was last saved. */
  readonly updatedAt: Date
  /** Milliseconds since the last save. */
  readonly idleMs: number
  /**
   * The instance holding the lease of the same name (the relay holds one; `s.log` does not);
   * absent when nobody holds it. `alive` is false once the lease expired at the time of the answer.
   */
  readonly holder?: { readonly owner: string; readonly expiresAt: Date; readonly alive: boolean }
}

export interface ConsumerStatusOptions {
  store: Pick<EventStore, 'headPosition'>
  checkpoints: Pick<CheckpointStore, 'list'>
  leases: Pick<LeaseStore, 'list'>
  /** The clock `idleMs` and `alive` are measured with. Default `Date.now`. */
  now?: () => number
}

/**
 * The consumers of the log that keep their position in the CheckpointStore (outbox relays,
 * checkpointed `s.log` subscriptions, anything else that saves one), sorted by name, each with its
 * lag behind the head and the holder of its lease. Projections and process managers keep their
 * checkpoints with their documents and are reported by `readSideAdmin`.
 *
 * @example
 * const consumers = await consumerStatus({ store, checkpoints, leases })
 * const behind = consumers.filter((consumer) => consumer.lagEvents > 1000)
 */
export async function consumerStatus(options: ConsumerStatusOptions): Promise<ConsumerStatus[]> {
  const [saved, held, headPosition] = await Promise.all([
    options.checkpoints.list(),
    options.leases.list(),
    options.store.headPosition(),
  ])
  const now = (options.now ?? Date.now)()
  const leases = new Map(held.map((lease) => [lease.name, lease]))
  return saved.map((checkpoint) => {
    const lease = leases.get(checkpoint.name)
    return {
      name: checkpoint.name,
      kind: consumerKind(checkpoint.name),
      position: checkpoint.position,
      // a head read a moment before a save can be behind the checkpoint
      headPosition: Math.max(headPosition, checkpoint.position),
      lagEvents: Math.max(0, headPosition - checkpoint.position),
      updatedAt: checkpoint.updatedAt,
      idleMs: Math.max(0, now - checkpoint.updatedAt.getTime()),
      ...(lease
        ? {
            holder: {
              owner: lease.owner,
              expiresAt: lease.expiresAt,
              alive: lease.expiresAt.getTime() > now,
            },
          }
        : {}),
    }
  })
}

/** The kind a checkpoint's name tells (see {@link ConsumerKind}). */
export function consumerKind(name: string): ConsumerKind {
  if (/relay$/i.test(name)) return 'outbox-relay'
  if (/^log(\b|$)/i.test(name)) return 'log-subscription'
  return 'other'
}
