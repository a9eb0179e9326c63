import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { uuidv7 } from '@acta/core'
import { gatewayStatus, type GatewayStatus } from './gateway-status.js'
import { sendProblem, writeRawProblem } from './problem.js'
import { proxyHttp, type ProxySettings } from './proxy-http.js'
import { proxyUpgrade, type UpgradeSettings } from './proxy-upgrade.js'
import { ReplicaSet, type ActiveTable } from './replica-set.js'
import { readRouteTable, validateRouteTable, type RouteTable } from './route-table.js'

/** Where the gateway reports reloads, replicas going down or up, and failed reloads. */
export interface GatewayLogger {
  info(message: string, details?: Record<string, unknown>): void
  warn(message: string, details?: Record<string, unknown>): void
  error(message: string, details?: Record<string, unknown>): void
}

/** Options of {@link startGateway}: a `table` or a `configFile`, and where to listen. */
export interface GatewayOptions {
  /** The route table (validated here). */
  readonly table?: RouteTable
  /** A JSON route table file, read at start, again on `reload()` without argument, and on SIGHUP. */
  readonly configFile?: string
  /** Default 0: any free port (see `gateway.port`). */
  readonly port?: number
  /** Default `127.0.0.1`; `0.0.0.0` to be reachable from other machines. */
  readonly host?: string
  /** A request whose replica has not answered with headers by then gets a 504. Default 30 000. */
  readonly requestTimeoutMs?: number
  /** Longest pause between two chunks of a response body before it is cut. Default 300 000. */
  readonly bodyTimeoutMs?: number
  /** Connecting to a replica that takes longer counts as a failed connection. Default 2000. */
  readonly connectTimeoutMs?: number
  /** How long a replica whose connection was refused or reset receives no requests. Default 10 000. */
  readonly failTimeoutMs?: number
  /** Idle connections to replicas are closed after this (or the replica's shorter hint). Default 4000. */
  readonly keepAliveTimeoutMs?: number
  /** Connections per replica; default `null`, no limit. */
  readonly connectionsPerUpstream?: number | null
  /** How long `stop()` waits for running requests before cutting them. Default 10 000. */
  readonly stopTimeoutMs?: number
  /** Reload `configFile` on SIGHUP. Default: true when `configFile` is set. */
  readonly reloadOnSighup?: boolean
  /** Default: warnings and errors to the console, no info. */
  readonly logger?: GatewayLogger
}

/** A running gateway. */
export interface Gateway {
  /** `http://host:port`. */
  readonly url: string
  readonly port: number
  readonly server: Server
  /**
   * Swaps the route table atomically: running requests finish on the replicas they have, new ones
   * use the new table. Without an argument, reads `configFile` again. Rejects with a
   * `ValidationError` (and keeps the old table) when the new table is invalid.
   */
  reload(table?: RouteTable): Promise<void>
  /** Per service, per replica: health, requests in flight, totals, last error. */
  status(): GatewayStatus
  /** Stops accepting, lets running requests finish (up to `stopTimeoutMs`), closes tunnels and pools. */
  stop(): Promise<void>
}

const consoleLogger: GatewayLogger = {
  info: () => {},
  warn: (message, details) => console.warn(`acta-gateway: ${message}`, details ?? ''),
  error: (message, details) => console.error(`acta-gateway: ${message}`, details ?? ''),
}

/**
 * Starts a gateway on raw `node:http`: routes by method and path, round-robin over healthy
 * replicas, retries idempotent requests on another replica when a connection fails, proxies
 * WebSockets, and answers what it cannot route with `application/problem+json`.
 *
 * @example
 * const gateway = await startGateway({
 *   port: 8999,
 *   table: {
 *     services: { kv: { upstreams: ['http://127.0.0.1:9001', 'http://127.0.0.1:9002'], health: { path: '/healthz' } } },
 *     routes: [{ methods: ['GET', 'PUT', 'DELETE'], path: '/values/:key', service: 'kv' }],
 *   },
 * })
 * await gateway.reload(nextTable)
 * await gateway.stop()
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { configFile, logger = consoleLogger } = options
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000
  const initial = await loadTable(options.table, configFile)

  const replicas = new ReplicaSet({
    connectTimeoutMs,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 4000,
    connections: options.connectionsPerUpstream ?? null,
    failTimeoutMs: options.failTimeoutMs ?? 10_000,
    onHealthChange: (replica, healthy, reason) =>
      healthy
        ? logger.info('replica is up', { upstream: replica.url, reason })
        : logger.warn('replica is down', { upstream: replica.url, reason }),
  })
  let active: ActiveTable = replicas.apply(initial).active
  let reloads = 0
  let loadedAt = new Date()
  let closing = false
  let inFlight = 0
  let drained: (() => void) | undefined
  const tunnels = new Set<Duplex>()

  const proxySettings: ProxySettings = {
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 300_000,
    closing: () => closing,
  }
  const upgradeSettings: UpgradeSettings = {
    connectTimeoutMs,
    track(tunnel) {
      tunnels.add(tunnel)
      tunnel.once('close', () => tunnels.delete(tunnel))
    },
  }

  const onResponseClose = () => {
    inFlight--
    if (!closing) return
    server.closeIdleConnections()
    if (inFlight === 0) drained?.()
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    inFlight++
    res.once('close', onResponseClose)
    const table = active
    const path = pathOf(req.url)
    if (path === undefined) return problem(res, req, 400, 'The request path is not a plain absolute path')
    const match = table.router.match(req.method ?? 'GET', path)
    if (match.kind === 'none') return problem(res, req, 404, `No route for ${req.method} ${path}`)
    if (match.kind === 'method') {
      return problem(res, req, 405, `${req.method} is not allowed on ${path}`, { allow: match.allow })
    }
    proxyHttp(req, res, table.services.get(match.route.service)!, proxySettings)
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const table = active
    const path = pathOf(req.url)
    const correlationId = correlationOf(req)
    const refuse = (status: number, detail: string) =>
      writeRawProblem(socket, { status, detail, instance: path, correlationId })
    socket.on('error', () => socket.destroy())
    if (closing) return refuse(503, 'The gateway is stopping')
    if (path === undefined) return refuse(400, 'The request path is not a plain absolute path')
    if (req.headers.upgrade?.toLowerCase() !== 'websocket')
      return refuse(400, 'Only WebSocket upgrades are proxied')
    const route = req.method === 'GET' ? table.router.matchUpgrade(path) : undefined
    if (route === undefined) return refuse(404, `No websocket route for ${req.method} ${path}`)
    proxyUpgrade(req, socket, head, table.services.get(route.service)!, upgradeSettings)
  }

  const server = createServer(onRequest)
  server.on('upgrade', onUpgrade)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  }).catch(async (error: unknown) => {
    await Promise.all(replicas.entries().map(([, replica]) => replica.retire(0)))
    throw error
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address

  const reload = async (table?: RouteTable) => {
    const next = await loadTable(table, configFile)
    if (closing) throw new Error('the gateway is stopping')
    const { active: swapped, removed } = replicas.apply(next)
    active = swapped
    reloads++
    loadedAt = new Date()
    for (const replica of removed) void replica.retire(stopTimeoutMs)
    logger.info('route table reloaded', { routes: next.routes.length, removed: removed.map((r) => r.url) })
  }

  const onSighup = () => {
    reload().catch((error: Error) =>
      logger.error('reload failed; the previous route table stays', { error: error.message }),
    )
  }
  const sighup = options.reloadOnSighup ?? configFile !== undefined
  if (sighup) process.on('SIGHUP', onSighup)

  let stopped: Promise<void> | undefined
  const stop = async () => {
    closing = true
    if (sighup) process.off('SIGHUP', onSighup)
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    if (inFlight > 0) {
      await new Promise<void>((resolve) => {
        drained = resolve
        setTimeout(resolve, stopTimeoutMs).unref()
      })
    }
    server.closeAllConnections()
    for (const tunnel of tunnels) tunnel.destroy()
    await Promise.all(replicas.entries().map(([, replica]) => replica.retire(0)))
    await closed
  }

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    server,
    reload,
    status: () => gatewayStatus(active, reloads, loadedAt),
    stop: () => (stopped ??= stop()),
  }
}

async function loadTable(table: RouteTable | undefined, configFile: string | undefined): Promise<RouteTable> {
  if (table !== undefined) return validateRouteTable(table)
  if (configFile !== undefined) return readRouteTable(configFile)
  throw new TypeError('startGateway needs a route table: pass `table` or `configFile`')
}

function problem(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  detail: string,
  headers?: Record<string, string>,
): void {
  sendProblem(res, { status, detail, instance: pathOf(req.url), correlationId: correlationOf(req) }, headers)
}

function correlationOf(req: IncomingMessage): string {
  const given = req.headers['x-correlation-id']
  return typeof given === 'string' && given !== '' ? given : uuidv7()
}

/** The path without its query, or `undefined` when it is not absolute or holds dot segments. */
export function pathOf(url: string | undefined): string | undefined {
  if (url === undefined || url.charCodeAt(0) !== 47 /* / */) return undefined
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  if (path.includes('.') || path.includes('%')) {
    for (const segment of path.split('/')) {
      const decoded = segment.length <= 6 ? segment.replace(/%2e/gi, '.') : segment
      if (decoded === '.' || decoded === '..') return undefined
    }
  }
  return path
}
