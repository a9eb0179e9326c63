import { randomBytes } from 'node:crypto'
import type { RouteTable, UpstreamStatus } from '@acta/gateway'
import { startService, type RunningService } from '@acta/service'
import { adminService, type ServicesStatus } from './admin-service.js'
import { readinessProber } from './readiness-prober.js'
import type { DeciderRegistry } from './time-travel.js'

/** The gateway's name for the admin API and dashboard. */
export const adminServiceName = 'acta-admin'

/** The admin API and dashboard running in a fleet's own process (next to its gateway), behind `/_acta/`. */
export interface AdminUnit {
  readonly url: string
  readonly token: string
  /** The dashboard's address through the gateway, with the token in the fragment (never sent to a server). */
  dashboardUrl(gatewayUrl: string): string
  stop(): Promise<void>
}

/**
 * Starts the admin service in this process on a free local port with the project's database and transport. The
 * token is `ACTA_ADMIN_TOKEN` when set, otherwise a fresh random one for this run.
 */
export async function startAdminUnit(options: {
  databaseUrl: string
  transportUrl: string
  /** The gateway's view of services and replicas: `() => gateway.status()`. */
  services: () => {
    readonly services: Readonly<Record<string, { readonly upstreams: readonly UpstreamStatus[] }>>
  }
  token?: string | undefined
  /** Deciders by stream category, for time travel. */
  deciders?: DeciderRegistry
  /**
   * Services beside the gateway without routes (process managers, a mailer) by name, with their
   * replicas' URLs: their `/readyz` is probed every 2 s and shown with the gateway's services.
   */
  unrouted?: () => Readonly<Record<string, readonly string[]>>
}): Promise<AdminUnit> {
  const token = options.token || randomBytes(24).toString('base64url')
  const prober = options.unrouted ? readinessProber(options.unrouted) : undefined
  const definition = adminService({
    token,
    services: () => {
      const routed = plainStatus(options.services())
      return prober ? { ...routed, services: { ...routed.services, ...prober.status() } } : routed
    },
    ...(options.deciders ? { deciders: options.deciders } : {}),
  })
  let running: RunningService
  try {
    running = await startService(definition, {
      config: {
        port: 0,
        host: '127.0.0.1',
        databaseUrl: options.databaseUrl,
        transportUrl: options.transportUrl,
        logLevel: 'warn',
      },
    })
  } catch (error) {
    prober?.stop()
    throw error
  }
  return {
    url: running.url,
    token,
    dashboardUrl: (gatewayUrl) => `${gatewayUrl}/_acta/#token=${encodeURIComponent(token)}`,
    stop: () => {
      prober?.stop()
      return running.stop()
    },
  }
}

/** The project's route table with the admin API and dashboard added under `/_acta/`. */
export function withAdminRoutes(table: RouteTable, admin: Pick<AdminUnit, 'url'> | undefined): RouteTable {
  if (!admin) return table
  return {
    services: {
      ...table.services,
      [adminServiceName]: { upstreams: [admin.url], health: { path: '/readyz', intervalMs: 2000 } },
    },
    routes: [
      { methods: ['GET'], path: '/_acta', service: adminServiceName },
      { methods: ['GET', 'POST'], path: '/_acta/*', service: adminServiceName, websocket: true },
      ...table.routes,
    ],
  }
}

/** The gateway's status as plain JSON objects, which is what the admin API serves. */
function plainStatus(status: ReturnType<Parameters<typeof startAdminUnit>[0]['services']>): ServicesStatus {
  const services = Object.entries(status.services).map(([name, service]) => [
    name,
    { upstreams: service.upstreams.map((upstream) => ({ ...upstream })) },
  ])
  return { ...status, services: Object.fromEntries(services) as ServicesStatus['services'] }
}
