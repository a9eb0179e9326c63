import type { ActiveTable } from './replica-set.js'
import type { ReplicaError } from './replica.js'

/** One replica, as a dashboard shows it. */
export interface UpstreamStatus {
  readonly url: string
  /** Receives new requests: its last health check passed and no connection to it failed lately. */
  readonly healthy: boolean
  /** HTTP requests running on it now. */
  readonly inFlight: number
  /** Open WebSocket tunnels to it. */
  readonly websockets: number
  /** Attempts sent to it (a retried request counts once on each replica it tried). */
  readonly requests: number
  /** Failed attempts and failed health checks. */
  readonly failures: number
  readonly lastError: ReplicaError | null
}

/** What `gateway.status()` reports: the live route table's services and their replicas. */
export interface GatewayStatus {
  /** Routes in the live table. */
  readonly routes: number
  /** Reloads since the start. */
  readonly reloads: number
  /** ISO 8601 time the live table was loaded. */
  readonly loadedAt: string
  readonly services: Readonly<Record<string, { readonly upstreams: readonly UpstreamStatus[] }>>
}

export function gatewayStatus(active: ActiveTable, reloads: number, loadedAt: Date): GatewayStatus {
  const services: Record<string, { upstreams: UpstreamStatus[] }> = {}
  for (const [name, pool] of active.services) {
    services[name] = {
      upstreams: pool.replicas.map((replica) => ({
        url: replica.url,
        healthy: replica.healthy,
        inFlight: replica.inFlight,
        websockets: replica.websockets,
        requests: replica.requests,
        failures: replica.failures,
        lastError: replica.lastError,
      })),
    }
  }
  return { routes: active.table.routes.length, reloads, loadedAt: loadedAt.toISOString(), services }
}
