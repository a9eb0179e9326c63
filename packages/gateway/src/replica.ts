import { Pool } from 'undici'
import type { HealthCheck } from './route-table.js'

/** How a replica is reached and when it counts as down. */
export interface ReplicaOptions {
  readonly connectTimeoutMs: number
  /** Idle upstream connections are closed after this long (or the replica's own shorter hint). */
  readonly keepAliveTimeoutMs: number
  /** Connections per replica; `null` for no limit. */
  readonly connections: number | null
  /** How long a replica stays out after a connection to it was refused or reset. */
  readonly failTimeoutMs: number
  readonly onHealthChange?: (replica: Replica, healthy: boolean, reason: string) => void
}

/** The last error seen on a replica. */
export interface ReplicaError {
  readonly message: string
  readonly code: string | undefined
  /** ISO 8601. */
  readonly at: string
}

/** One replica of a service: its connection pool, health and counters. */
export class Replica {
  readonly url: string
  readonly hostname: string
  readonly port: number
  readonly pool: Pool
  inFlight = 0
  requests = 0
  failures = 0
  websockets = 0
  lastError: ReplicaError | null = null
  retired = false
  private downUntil = 0
  private checkFailed = false
  private health: HealthCheck | undefined
  private healthGeneration = 0
  private timer: NodeJS.Timeout | undefined

  constructor(
    url: string,
    private readonly options: ReplicaOptions,
  ) {
    const parsed = new URL(url)
    this.url = parsed.origin
    this.hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
    this.port = Number(parsed.port || 80)
    this.pool = new Pool(this.url, {
      connections: options.connections,
      pipelining: 1,
      connectTimeout: options.connectTimeoutMs,
      keepAliveTimeout: options.keepAliveTimeoutMs,
    })
  }

  /** Eligible for new requests: not failed recently, not failing its health check, not retired. */
  get healthy(): boolean {
    if (this.retired || this.checkFailed) return false
    return this.downUntil === 0 || Date.now() >= this.downUntil
  }

  /** Worth a try when no replica is healthy: only taken out passively, not by its health check. */
  get fallback(): boolean {
    return !this.retired && !this.checkFailed
  }

  /** Passive check: connecting failed, so keep new requests away for `failTimeoutMs`. */
  markDown(error: Error): void {
    const wasHealthy = this.healthy
    this.recordError(error)
    this.downUntil = Date.now() + this.options.failTimeoutMs
    if (wasHealthy) this.options.onHealthChange?.(this, false, error.message)
  }

  recordError(error: Error): void {
    this.failures++
    const code = (error as { code?: unknown }).code
    this.lastError = {
      message: error.message,
      code: typeof code === 'string' ? code : undefined,
      at: new Date().toISOString(),
    }
  }

  /** Starts, changes or (with `undefined`) stops the active health check. */
  setHealth(health: HealthCheck | undefined): void {
    if (sameHealth(health, this.health)) return
    this.health = health
    this.healthGeneration++
    clearTimeout(this.timer)
    if (health === undefined) this.checkFailed = false
    else this.schedule(0, this.healthGeneration)
  }

  /** Stops health checks and closes the pool once the requests still running on it are done. */
  async retire(graceMs: number): Promise<void> {
    this.retired = true
    this.setHealth(undefined)
    const closed = this.pool.close()
    const timer = setTimeout(() => void this.pool.destroy().catch(() => {}), graceMs)
    timer.unref()
    await closed.catch(() => {})
    clearTimeout(timer)
  }

  private schedule(delayMs: number, generation: number): void {
    this.timer = setTimeout(() => void this.check(generation), delayMs)
    this.timer.unref()
  }

  private async check(generation: number): Promise<void> {
    const health = this.health
    if (health === undefined || generation !== this.healthGeneration) return
    const intervalMs = health.intervalMs ?? 5000
    const timeoutMs = health.timeoutMs ?? Math.min(intervalMs, 2000)
    let failure: Error | undefined
    try {
      const response = await this.pool.request({
        path: health.path,
        method: 'GET',
        headers: { 'user-agent': 'acta-gateway-health-check' },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      })
      await response.body.dump()
      if (response.statusCode >= 400) failure = new Error(`health check answered ${response.statusCode}`)
    } catch (error) {
      failure = error as Error
    }
    if (generation !== this.healthGeneration) return
    const wasHealthy = this.healthy
    if (failure === undefined) {
      this.checkFailed = false
      this.downUntil = 0
    } else {
      this.checkFailed = true
      this.recordError(failure)
    }
    if (wasHealthy !== this.healthy) {
      this.options.onHealthChange?.(this, this.healthy, failure?.message ?? 'health check passed')
    }
    this.schedule(intervalMs, generation)
  }
}

function sameHealth(a: HealthCheck | undefined, b: HealthCheck | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.path === b.path && a.intervalMs === b.intervalMs && a.timeoutMs === b.timeoutMs
}
