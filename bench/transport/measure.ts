import { performance } from 'node:perf_hooks'

/** What one contender does in a scenario; `ops` messages or round trips, each latency in ms. */
export interface Sample {
  readonly ops: number
  readonly seconds: number
  readonly latencies: number[]
  /** CPU time of this process (both ends: producer and consumer, caller and responder). */
  cpuMicros?: number
}

export interface Figure {
  readonly scenario: string
  readonly contender: string
  readonly ops: number
  readonly seconds: number
  readonly perSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Client CPU per message or round trip, in µs: less noisy than rates on a shared machine. */
  readonly cpuMicrosPerOp: number
}

export const now = (): number => performance.now()

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index]!
}

/** Merges the measured rounds of one contender into one figure: total ops over total wall time. */
export function figure(scenario: string, contender: string, rounds: readonly Sample[]): Figure {
  const ops = rounds.reduce((n, r) => n + r.ops, 0)
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0)
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b)
  return {
    scenario,
    contender,
    ops,
    seconds,
    perSecond: ops / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuMicrosPerOp: rounds.reduce((n, r) => n + (r.cpuMicros ?? 0), 0) / ops,
  }
}

/** Runs `count` tasks with at most `width` in flight. */
export async function windowed(
  count: number,
  width: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(width, count) }, lane))
}

/** A promise with its resolve, for "the last message arrived". */
export function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}
