import { fileURLToPath } from 'node:url'
import { startAdminUnit, withAdminRoutes, type AdminUnit } from '@acta/dashboard'
import { startGateway, type Gateway, type GatewayLogger, type RouteTable } from '@acta/gateway'
import { resolveLocalUrls, spawnServices, type SpawnedService } from '@acta/service'
import { todoDecider } from './domain/todo-decider.js'
import { userDecider } from './domain/user-decider.js'
import { todoCommands, userCommands } from './shared/messages.js'
import { todoServiceNames, type TodoServiceName } from './todo-services.js'

export interface TodoFleetOptions {
  /** Gateway port; 0 picks a free one. Default 0. */
  port?: number
  /** Gateway address. Default `127.0.0.1`. */
  host?: string
  /** Processes per service. Default one each; the read and write services scale out. */
  replicas?: Partial<Record<TodoServiceName, number>>
  /**
   * Environment of the services, on top of this process's: `ACTA_DATABASE_URL`,
   * `ACTA_TRANSPORT_URL`, `TODO_SMTP_URL`, `TODO_MAIL_DIR`, `LOG_LEVEL` (default `warn`), …
   */
  env?: Readonly<Record<string, string | undefined>>
  /** Copy the services' output to this process's stderr. Default false: it is kept for `logs()`. */
  echo?: boolean
  /** Working directory of the services: relative SQLite and mail paths resolve there. Default this process's. */
  cwd?: string
  /** How long a service may take to start and become ready. Default 60 s. */
  startTimeoutMs?: number
  gatewayLogger?: GatewayLogger
  /**
   * Serve the admin API and dashboard under `/_acta/` (in this process, next to the gateway) with
   * this token; default `ACTA_ADMIN_TOKEN`, or a fresh random token. False leaves them out.
   */
  dashboard?: boolean | { token?: string }
}

/** The todo services behind their gateway. */
export interface TodoFleet {
  /** The gateway's `http://host:port`. */
  readonly url: string
  readonly gateway: Gateway
  /** Every service process, named `<service>-<n>` (`todo-write-1`, …). */
  readonly services: readonly SpawnedService[]
  /** The admin API and dashboard, unless `dashboard: false`. */
  readonly admin: AdminUnit | undefined
  /** The dashboard's URL with its token in the fragment, unless `dashboard: false`. */
  readonly dashboardUrl: string | undefined
  /** The last output of a service process (its structured log lines), by its name. */
  logs(name: string): string
  /** Stops the gateway, then every service gracefully (SIGTERM; SIGKILL after 15 s). Safe to call twice. */
  stop(): Promise<void>
}

const serviceScript = fileURLToPath(new URL('./service-process.ts', import.meta.url))
// resolved here, so services started in any working directory find it
const execArgv = ['--conditions=@acta/source', '--import', import.meta.resolve('tsx')]

/**
 * The gateway's routes: each command to its write service, each query to its read service. First
 * match wins, so `/api/users/:id/todos` comes before `/api/users/:id`; anything else is the
 * gateway's 404 problem (an unknown command included).
 *
 * @example
 * const table = todoRouteTable({ 'user-write': ['http://127.0.0.1:9001'], … })
 */
export function todoRouteTable(
  upstreams: Readonly<Record<'user-write' | 'todo-write' | 'user-read' | 'todo-read', readonly string[]>>,
): RouteTable {
  const health = { path: '/readyz', intervalMs: 1000 }
  const post = (name: string, service: string) => ({
    methods: ['POST'],
    path: `/api/commands/${name}`,
    service,
  })
  const get = (path: string, service: string) => ({ methods: ['GET'], path, service })
  return {
    services: Object.fromEntries(
      Object.entries(upstreams).map(([service, urls]) => [service, { upstreams: urls, health }]),
    ),
    routes: [
      ...userCommands.map((name) => post(name, 'user-write')),
      ...todoCommands.map((name) => post(name, 'todo-write')),
      get('/api/users', 'user-read'),
      get('/api/users/:id/todos', 'todo-read'),
      get('/api/users/:id', 'user-read'),
      get('/api/todos/:id', 'todo-read'),
    ],
  }
}

/**
 * Starts every service of the todo application as child processes (TypeScript through tsx), one
 * per service unless `replicas` says more, waits until each answers `/readyz`, then starts the
 * gateway in this process in front of the HTTP services.
 *
 * @example
 * const fleet = await startTodoFleet({ port: 8080, replicas: { 'todo-read': 2 }, echo: true })
 * await fetch(`${fleet.url}/api/users`)
 * await fleet.stop()
 */
export async function startTodoFleet(options: TodoFleetOptions = {}): Promise<TodoFleet> {
  const processes = todoServiceNames.flatMap((service) =>
    Array.from({ length: options.replicas?.[service] ?? 1 }, (_, i) => ({
      service,
      name: `${service}-${i + 1}`,
    })),
  )
  const services = await spawnServices(
    processes.map(({ service, name }) => ({
      name,
      script: serviceScript,
      execArgv,
      cwd: options.cwd,
      env: { LOG_LEVEL: 'warn', ...options.env, PORT: '0', HOST: '127.0.0.1', TODO_SERVICE: service },
      echo: options.echo,
      startTimeoutMs: options.startTimeoutMs,
      onExit: (code, signal) => {
        if (options.echo) process.stderr.write(`${name} exited (${signal ?? code}) on its own\n`)
      },
    })),
  )
  const stopServices = () => Promise.all(services.map((service) => service.stop()))
  const urlsOf = (service: TodoServiceName) =>
    processes.flatMap((process, i) => (process.service === service ? [services[i]!.url] : []))
  let gateway: Gateway | undefined
  let admin: AdminUnit | undefined
  try {
    if (options.dashboard !== false)
      admin = await startAdminUnit({
        ...fleetUrls(options),
        // the gateway starts right after; until then the admin API reports no services
        services: () => gateway?.status() ?? { services: {} },
        token:
          (typeof options.dashboard === 'object' && options.dashboard.token) || process.env.ACTA_ADMIN_TOKEN,
        deciders: { todo: todoDecider, user: userDecider },
        // the services without routes are not behind the gateway: the overview probes them itself
        unrouted: () => ({ 'process-managers': urlsOf('process-managers'), mailer: urlsOf('mailer') }),
      })
    gateway = await startGateway({
      table: withAdminRoutes(
        todoRouteTable({
          'user-write': urlsOf('user-write'),
          'todo-write': urlsOf('todo-write'),
          'user-read': urlsOf('user-read'),
          'todo-read': urlsOf('todo-read'),
        }),
        admin,
      ),
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      ...(options.gatewayLogger ? { logger: options.gatewayLogger } : {}),
    })
  } catch (error) {
    await admin?.stop()
    await stopServices()
    throw error
  }
  const running = gateway
  let stopped: Promise<void> | undefined
  return {
    url: running.url,
    gateway: running,
    admin,
    dashboardUrl: admin?.dashboardUrl(running.url),
    services,
    logs: (name) => services.find((service) => service.name === name)?.logs() ?? '',
    stop: () =>
      (stopped ??= (async () => {
        await running.stop()
        await admin?.stop()
        await stopServices()
      })()),
  }
}

/** The database and transport the services use, with SQLite paths resolved where they run. */
function fleetUrls(options: TodoFleetOptions) {
  const env = { ...process.env, ...options.env }
  return resolveLocalUrls(
    {
      databaseUrl: env.ACTA_DATABASE_URL || 'sqlite:.acta/acta.db',
      transportUrl: env.ACTA_TRANSPORT_URL || 'local',
    },
    options.cwd ?? process.cwd(),
  )
}
