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
  readonly visibilityTimeoutMs: number
  readonly onError: (error: unknown) => void
}

/**
 * Every third of the visibility timeout: renews the leases of running handlers, refreshes this
 * transport's heartbeat (binding its queues again if another process reaped it meanwhile), and
 * removes what dead transports and expired requests left behind. It writes only when one of these
 * has work, so an idle transport costs two index reads per period. Returns the stop function.
 */
export function startMaintenance(deps: MaintenanceDeps): () => void {
  const { tables, routes, dispatcher, write, owner, owned, visibilityTimeoutMs, onError } = deps

  const maintain = (): void => {
    const now = Date.now()
    const staleBefore = now - visibilityTimeoutMs
    try {
      const beat = owned.size > 0
      if (!beat && dispatcher.inFlight === 0 && !routes.anyStale(staleBefore) && !tables.anyExpired(now)) {
        return
      }
      const reaped = write(() => {
        dispatcher.renewLeases(now + visibilityTimeoutMs)
        const alive = !beat || routes.heartbeat(owner, now)
        if (!alive) {
          for (const [queue, patterns] of owned) {
            routes.own(queue, owner, now)
            for (const pattern of patterns) routes.bind(pattern, queue)
          }
        }
        routes.reap(staleBefore)
        tables.deleteExpired(now)
        return !alive
      })
      if (reaped) {
        onError(
          new ActaError(
            'UNAVAILABLE',
            `This transport missed its heartbeats for over ${visibilityTimeoutMs} ms (a blocked event loop?), so another process removed its broadcast queues; they are bound again, but what was published meanwhile is lost to them`,
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
