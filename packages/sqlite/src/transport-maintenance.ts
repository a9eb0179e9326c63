import { ActaError } from '@acta/core'
import type { Dispatcher } from './transport-dispatcher.js'
import type { QueueTables } from './transport-queue.js'
import type { Routing } from './transport-routing.js'

export interface MaintenanceDeps {
  readonly tables: QueueTables
  readonly routes: Routing
  readonly dispatcher: Dispatcher
  readonly write: <T>(work: () => T) => T
  readonly owner: string
  /** Queues that live as long as this transport, with their topic patterns. */
  readonly owned: ReadonlyMap<string, readonly string[]>
  /** This transport's consumers now, by id, with their queue. */
  readonly attached: ReadonlyMap<string, string>
  readonly visibilityTimeoutMs: number
  readonly onError: (error: unknown) => void
}

/**
 * Every third of the visibility timeout: renews the leases of running handlers, refreshes this
 * transport's heartbeat while it owns queues or has consumers (recording them again if another
 * process reaped it meanwhile), and removes what dead transports and expired requests left behind.
 * It writes only when one of these has work, so an idle transport without consumers costs two
 * index reads per period, and one with consumers a heartbeat. Returns the stop function.
 */
export function startMaintenance(deps: MaintenanceDeps): () => void {
  const { tables, routes, dispatcher, write, owner, owned, attached, visibilityTimeoutMs, onError } = deps

  /** Records again what another process removed when it presumed this transport dead. */
  const revive = (now: number): void => {
    routes.register(owner, now)
    for (const [queue, patterns] of owned) {
      routes.own(queue, owner, now)
      for (const pattern of patterns) routes.bind(pattern, queue)
    }
    for (const [consumer, queue] of attached) routes.attach(owner, consumer, queue)
  }

  const maintain = (): void => {
    const now = Date.now()
    const staleBefore = now - visibilityTimeoutMs
    try {
      const beat = owned.size > 0 || attached.size > 0
      if (!beat && dispatcher.inFlight === 0 && !routes.anyStale(staleBefore) && !tables.anyExpired(now)) {
        return
      }
      const lostQueues = owned.size > 0
      const reaped = write(() => {
        dispatcher.renewLeases(now + visibilityTimeoutMs)
        const alive = !beat || routes.heartbeat(owner, now)
        if (!alive) revive(now)
        routes.reap(staleBefore)
        tables.deleteExpired(now)
        return !alive
      })
      if (reaped) {
        const lost = lostQueues
          ? 'removed its broadcast queues; they are bound again, but what was published meanwhile is lost to them'
          : 'stopped counting its consumers; they are recorded again'
        onError(
          new ActaError(
            'UNAVAILABLE',
            `This transport missed its heartbeats for over ${visibilityTimeoutMs} ms (a blocked event loop?), so another process ${lost}`,
          ),
        )
      }
    } catch (error) {
      onError(error)
    }
  }

  const timer = setInterval(maintain, Math.max(1, Math.floor(visibilityTimeoutMs / 3)))
  timer.unref()
  return () => clearInterval(timer)
}
