import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { startGateway, type Gateway, type GatewayLogger, type RouteTable } from '@acta/gateway'

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
export interface FleetReplica {
  readonly name: string
  readonly url: string
  readonly process: ChildProcess
}

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
const tsx = import.meta.resolve('tsx')
const keptOutput = 64 * 1024

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
  const timeoutMs = options.startTimeoutMs ?? 60_000
  const output = new Map<string, string>()
  const children: { name: string; child: ChildProcess }[] = []
  let gateway: Gateway | undefined
  const stopAll = async () => {
    await gateway?.stop()
    await Promise.all(children.map(({ child }) => stopChild(child)))
  }
  try {
    for (let i = 1; i <= count; i++) {
      const name = `replica-${i}`
      const child = spawn(process.execPath, ['--conditions=@acta/source', '--import', tsx, replicaScript], {
        cwd: options.cwd,
        env: {
          ...process.env,
          LOG_LEVEL: 'warn',
          ...options.env,
          PORT: '0',
          HOST: '127.0.0.1',
          KV_REPLICA: name,
        },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        // its own process group: a Ctrl-C in the terminal reaches the fleet, which stops the
        // gateway first and then the replicas; a replica whose fleet dies stops by itself
        detached: true,
      })
      children.push({ name, child })
      output.set(name, '')
      const keep = (chunk: Buffer) => {
        output.set(name, ((output.get(name) ?? '') + chunk.toString('utf8')).slice(-keptOutput))
        if (options.echo) process.stderr.write(chunk)
      }
      child.stdout?.on('data', keep)
      child.stderr?.on('data', keep)
    }
    const replicas = await Promise.all(
      children.map(async ({ name, child }) => {
        const url = await listeningUrl(name, child, timeoutMs, () => output.get(name) ?? '')
        await ready(url, timeoutMs)
        return { name, url, process: child }
      }),
    )
    gateway = await startGateway({
      table: fleetRouteTable(replicas.map((replica) => replica.url)),
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      ...(options.gatewayLogger ? { logger: options.gatewayLogger } : {}),
    })
    let stopped: Promise<void> | undefined
    for (const { name, child } of children)
      child.once('exit', (code, signal) => {
        if (stopped === undefined && options.echo)
          process.stderr.write(`${name} exited (${signal ?? code}); the gateway routes around it\n`)
      })
    return {
      url: gateway.url,
      gateway,
      replicas,
      logs: (name) => output.get(name) ?? '',
      stop: () => (stopped ??= stopAll()),
    }
  } catch (error) {
    await stopAll()
    throw error
  }
}

async function listeningUrl(
  name: string,
  child: ChildProcess,
  timeoutMs: number,
  logs: () => string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer)
      reject(new Error(`${name} ${reason}\n${logs().slice(-4000)}`))
    }
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs)
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code}) before listening`))
    child.on('message', (message: { type?: string; url?: string }) => {
      if (message.type !== 'listening' || typeof message.url !== 'string') return
      clearTimeout(timer)
      resolve(message.url)
    })
  })
}

async function ready(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const status = await fetch(`${url}/readyz`).then(
      (res) => res.body?.cancel().then(() => res.status) ?? res.status,
      () => 0,
    )
    if (status === 200) return
    if (Date.now() > deadline) throw new Error(`${url} was not ready within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  await exited
  clearTimeout(timer)
}
