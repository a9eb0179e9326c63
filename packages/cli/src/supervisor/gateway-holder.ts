import {
  startGateway,
  type Gateway,
  type GatewayLogger,
  type GatewayStatus,
  type RouteTable,
} from '@acta/gateway'

/** The in-process gateway, started once there is a route and stopped when the last one goes. */
export interface GatewayHolder {
  /** The listening URL, or null while there are no routes. */
  readonly url: string | null
  /** Starts, reloads (without dropping a request) or stops the gateway to serve `table`. */
  apply(table: RouteTable): Promise<void>
  /** Services and replicas as the gateway sees them; none while it is not started. */
  status(): GatewayStatus | { services: Record<string, never> }
  stop(): Promise<void>
}

/**
 * Holds the gateway of a supervisor: an empty table (a project with only projections and process
 * managers) runs no gateway, since a route table needs at least one route.
 */
export function gatewayHolder(options: { host: string; port: number; logger: GatewayLogger }): GatewayHolder {
  let gateway: Gateway | undefined
  let closed = false
  return {
    get url() {
      return gateway?.url ?? null
    },
    async apply(table) {
      if (closed) return
      if (table.routes.length === 0) {
        await gateway?.stop()
        gateway = undefined
      } else if (gateway) await gateway.reload(table)
      else {
        const started = await startGateway({ table, ...options })
        // stopped while it was starting: it must not outlive the supervisor
        if (closed) await started.stop()
        else gateway = started
      }
    },
    status: () => gateway?.status() ?? { services: {} },
    async stop() {
      closed = true
      await gateway?.stop()
      gateway = undefined
    },
  }
}
