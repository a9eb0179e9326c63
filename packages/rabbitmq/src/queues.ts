import type { QueueStatus } from '@acta/core'
import { catalog } from './catalog.js'
import type { BrokerConnection } from './connection.js'
import type { QueueKind, Topology } from './topology.js'
import { isSubscriberQueue } from './subscriber-queues.js'

export interface QueueDirectory {
  /**
   * Adds a durable queue the transport just declared to the queue catalog: once per process, and
   * again when `again` (it was declared anew: after a reconnect, or because it had vanished, and a
   * reader may have removed its entry meanwhile). An anonymous broadcast queue is never added.
   */
  register(logical: string, kind: QueueKind, deadline: number, again: boolean): Promise<void>
  /** Registers `logical` again on its next declaration (its queue may expire meanwhile). */
  forget(logical: string): void
  /** Every catalogued queue that still exists, by name, with its counts. */
  list(): Promise<QueueStatus[]>
}

const byName = (a: QueueStatus, b: QueueStatus): number =>
  a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0

/**
 * `queues()` on RabbitMQ, whose AMQP protocol cannot list queues (and the management plugin is not
 * required): every process adds the name of each durable queue it declares to `<prefix>.queue-catalog`
 * (see {@link catalog}), and a list reads the catalog, then asks the broker for each queue's counts
 * with a passive declare, which is also how an entry of a queue that no longer exists (deleted, or
 * a subscriber's that expired) is found and removed. `ready` is the broker's message count: a
 * message being handled or waiting out a retry (in a retry TTL queue) is not counted. Named
 * subscribers' queues are not read (see {@link isSubscriberQueue}).
 */
export function queueDirectory(
  broker: BrokerConnection,
  t: Topology,
  timeoutMs: number,
  /** Parked messages per logical queue (the dead-letter box reads its own catalog). */
  parkedCounts: () => Promise<Map<string, number>>,
): QueueDirectory {
  const names = catalog(broker, t.queueCatalog, timeoutMs)
  // Per name, the entry this process added (or is adding): the catalog does not grow per message.
  const added = new Map<string, Promise<void>>()

  return {
    register(logical, kind, deadline, again) {
      if (kind === 'broadcast') return Promise.resolve()
      const known = again ? undefined : added.get(logical)
      if (known) return known
      const adding = names.add(logical, deadline)
      added.set(logical, adding)
      adding.catch(() => {
        if (added.get(logical) === adding) added.delete(logical)
      })
      return adding
    },

    forget(logical) {
      added.delete(logical)
    },

    async list() {
      // parked queues are few: read them from their own catalog rather than probe one per queue
      // (a probe of a missing queue costs the probe its channel)
      const parked = await parkedCounts()
      const found = await names.read<QueueStatus | null>(async (name, check) => {
        // kept in the catalog, not read: any declare, passive too, resets the queue's x-expires
        if (isSubscriberQueue(name)) return null
        const queue = await check(t.queue(name))
        if (!queue) return undefined
        return {
          queue: name,
          ready: queue.messageCount,
          consumers: queue.consumerCount,
          parked: parked.get(name) ?? 0,
        }
      })
      return found.filter((queue): queue is QueueStatus => queue !== null).sort(byName)
    },
  }
}
