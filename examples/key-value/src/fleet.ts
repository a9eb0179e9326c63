import { fileURLToPath } from 'node:url'
import { startGateway, type Gateway, type GatewayLogger, type RouteTable } from '@acta/gateway'
import { spawnServices, type SpawnedService } from '@acta/service'

export interface FleetOptions {
  /** Replica processes. Default 3. */
  replicas?: number
  /** Gateway port; 0 picks a free one. Default 0. */
  port?: number
  /** Gateway address. Default `127.0.0.1`. */
  host?: string
  /**
   * Environment of the replicas, on top of this process's: `ACTA_DATABASE_URL`,
   * `ACTA_TRANSPORT_URL`, `KV_NAMESPACE`, `LOG_LEVEL` (default `warn`), …
   */
  env?: Readonly<Record<string, string | undefined>>
  /** Copy the replicas' output to this process's stderr. Default false: it is kept for `logs()`. */
  echo?: boolean
  /** Working directory of the replicas: relative SQLite paths resolve there. Default this process's. */
  cwd?: string
  /** How long a replica may take to start and become ready. Default 60 s. */
  startTimeoutMs?: number
  gatewayLogger?: GatewayLogger
}

/** One replica process of a running fleet. */
export type FleetReplica = SpawnedService

/** Replicas behind a gateway. */
export interface Fleet {
  /** The gateway's `http://host:port`. */
  readonly url: string
  readonly gateway: Gateway
  readonly replicas: readonly FleetReplica[]
  /** The last output of a replica (its structured log lines). */
  logs(name: string): string
  /** Stops the gateway, then every replica gracefully (SIGTERM; SIGKILL after 15 s). Safe to call twice. */
  stop(): Promise<void>
}

const replicaScript = fileURLToPath(new URL('./replica.ts', import.meta.url))
// resolved here, so replicas started in any working directory find it
const execArgv = ['--conditions=@acta/source', '--import', import.meta.resolve('tsx')]

/** The gateway's route table in front of the replicas. */
export function fleetRouteTable(upstreams: readonly string[]): RouteTable {
  const service = 'key-value'
  return {
    services: { [service]: { upstreams, health: { path: '/readyz', intervalMs: 1000 } } },
    routes: [
      { methods: ['GET'], path: '/values', service },
      { methods: ['GET', 'PUT', 'DELETE'], path: '/values/*', service },
      { methods: ['GET'], path: '/events', service, websocket: true },
      { methods: ['GET'], path: '/', service },
      { methods: ['GET'], path: '/assets/*', service },
    ],
  }
}

/**
 * Starts the replicas as child processes (TypeScript through tsx), waits until each answers
 * `/readyz`, then starts the gateway in this process in front of them.
 *
 * @example
 * const fleet = await startFleet({ port: 8999, echo: true })
 * await fetch(`${fleet.url}/values/k`, { method: 'PUT', body: 'v' })
 * await fleet.stop()
 */
export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const count = options.replicas ?? 3
  const names = Array.from({ length: count }, (_, i) => `replica-${i + 1}`)
  let stopped: Promise<void> | undefined
  const replicas = await spawnServices(
    names.map((name) => ({
      name,
      script: replicaScript,
      execArgv,
      cwd: options.cwd,
      env: { LOG_LEVEL: 'warn', ...options.env, PORT: '0', HOST: '127.0.0.1', KV_REPLICA: name },
      echo: options.echo,
      startTimeoutMs: options.startTimeoutMs,
      onExit: (code, signal) => {
        if (options.echo && stopped === undefined)
          process.stderr.write(`${name} exited (${signal ?? code}); the gateway routes around it\n`)
      },
    })),
  )
  const stopReplicas = () => Promise.all(replicas.map((replica) => replica.stop()))
  let gateway: Gateway
  try {
    gateway = await startGateway({
      table: fleetRouteTable(replicas.map((replica) => replica.url)),
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      ...(options.gatewayLogger ? { logger: options.gatewayLogger } : {}),
    })
  } catch (error) {
    await stopReplicas()
    throw error
  }
  return {
    url: gateway.url,
    gateway,
    replicas,
    logs: (name) => replicas.find((replica) => replica.name === name)?.logs() ?? '',
    stop: () =>
      (stopped ??= (async () => {
        await gateway.stop()
        await stopReplicas()
      })()),
  }
}
