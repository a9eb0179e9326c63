import autocannon from 'autocannon'
import { cpuMeter } from './cpu.js'

/** One autocannon run. Latencies in milliseconds. */
export interface LoadResult {
  readonly target: string
  readonly requests: number
  readonly seconds: number
  readonly perSecond: number
  readonly p50: number
  readonly p99: number
  /** Connection errors and timeouts, and answers other than 2xx: a run with any is suspect. */
  readonly failures: number
  /** CPU microseconds per request of each process group, the load generator and the whole machine. */
  readonly cpu: Readonly<Record<string, number>>
  /** How busy the machine was: CPU seconds per second of wall time (2 = two cores). */
  readonly busyCores: number
}

/** Process groups whose CPU time a run accounts for, by name. */
export type Groups = Readonly<Record<string, readonly number[]>>

function perRequest(used: Record<string, number>, requests: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(used).map(([name, seconds]) => [name, (seconds * 1e6) / Math.max(1, requests)]),
  )
}

export const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN

function run(options: autocannon.Options, onResponse?: (status: number, ms: number) => void) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, result) =>
      error
        ? reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }))
        : resolve(result),
    )
    if (onResponse) instance.on('response', (_client, status, _bytes, ms) => onResponse(status, ms))
  })
}

/**
 * GET `url` with `connections` keep-alive connections for `seconds`. Latencies come from
 * autocannon's histogram (whole milliseconds), so collecting them costs the load generator nothing.
 */
export async function getLoad(
  target: string,
  url: string,
  connections: number,
  seconds: number,
  groups: Groups = {},
) {
  const meter = cpuMeter(groups)
  const result = await run({ url, connections, duration: seconds })
  const used = meter.stop()
  const requests = result.requests.total
  return {
    target,
    requests,
    seconds: result.duration,
    perSecond: requests / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.errors + result.non2xx,
    cpu: perRequest(used, requests),
    busyCores: (used.machine ?? 0) / result.duration,
  } satisfies LoadResult
}

/**
 * PUTs to `base/values/<prefix>-<n>` (n cycling over `keys`) with `connections` connections for
 * `seconds`; every response time is kept (sub-millisecond), since PUT latency is what is judged.
 */
export async function putLoad(
  target: string,
  base: string,
  options: { connections: number; seconds: number; keys: number; prefix: string; groups?: Groups },
): Promise<LoadResult> {
  const meter = cpuMeter(options.groups ?? {})
  const latencies: number[] = []
  let failures = 0
  let next = 0
  const result = await run(
    {
      url: base,
      connections: options.connections,
      duration: options.seconds,
      requests: [
        {
          method: 'PUT',
          body: 'a value of some thirty-two bytes',
          setupRequest: (request) => ({
            ...request,
            path: `/values/${options.prefix}-${next++ % options.keys}`,
          }),
        },
      ],
    },
    (status, ms) => (status >= 200 && status < 300 ? latencies.push(ms) : failures++),
  )
  const used = meter.stop()
  latencies.sort((a, b) => a - b)
  return {
    target,
    requests: latencies.length,
    seconds: result.duration,
    perSecond: latencies.length / result.duration,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    failures: failures + result.errors,
    cpu: perRequest(used, latencies.length),
    busyCores: (used.machine ?? 0) / result.duration,
  }
}
