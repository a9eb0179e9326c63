import autocannon from 'autocannon'
import { cpuMeter } from '../http/cpu.js'
import { quantile } from '../http/load.js'

/** One autocannon run; latencies in milliseconds, every response timed (sub-millisecond). */
export interface LoadResult {
  readonly target: string
  readonly connections: number
  readonly requests: number
  readonly perSecond: number
  readonly p50: number
  readonly p99: number
  /** Answers other than 2xx, connection errors and timeouts: a run with any is suspect. */
  readonly failures: number
  /**
   * CPU microseconds per request: `target` (all its processes), each of its processes by name,
   * `load generator` and `machine`.
   */
  readonly cpu: Readonly<Record<string, number>>
}

export interface LoadOptions {
  readonly target: string
  readonly url: string
  readonly connections: number
  readonly seconds: number
  /** The target's processes by name, whose CPU time is put per request. */
  readonly processes: Readonly<Record<string, number>>
  /** POST this body (a fresh one per request) instead of a GET. */
  readonly body?: () => string
}

/** Runs autocannon against `url` with keep-alive connections, closed loop, for `seconds`. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = []
  let failures = 0
  const pids = Object.values(options.processes)
  const meter = cpuMeter({
    target: pids,
    ...Object.fromEntries(Object.entries(options.processes).map(([name, pid]) => [name, [pid]])),
  })
  const { body } = options
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.seconds,
        ...(body
          ? {
              requests: [
                {
                  method: 'POST' as const,
                  headers: { 'content-type': 'application/json' },
                  setupRequest: (request: autocannon.Request) => ({ ...request, body: body() }),
                },
              ],
            }
          : {}),
      },
      (error: unknown, done) =>
        error
          ? reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }))
          : resolve(done),
    )
    instance.on('response', (_client, status, _bytes, ms) =>
      status >= 200 && status < 300 ? latencies.push(ms) : failures++,
    )
  })
  const used = meter.stop()
  latencies.sort((a, b) => a - b)
  const perRequest = (seconds = 0) => (seconds * 1e6) / Math.max(1, latencies.length)
  return {
    target: options.target,
    connections: options.connections,
    requests: latencies.length,
    perSecond: latencies.length / result.duration,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    failures: failures + result.errors + result.timeouts,
    cpu: Object.fromEntries(Object.entries(used).map(([name, seconds]) => [name, perRequest(seconds)])),
  }
}
