import { performance } from 'node:perf_hooks'

export type ScenarioId = 'a' | 'b' | 'c' | 'd' | 'e'

export const scenarioTitles: Record<ScenarioId, string> = {
  a: '(a) sequential 1-event appends, one stream',
  b: '(b) 32 concurrent writers, 1-event appends',
  c: '(c) 100-event batches',
  d: '(d) read + fold a 100-event stream',
  e: '(e) catch-up from position 0',
}

/** One contender's result for one scenario. Latency is per operation (an append, a read, a page). */
export interface Figure {
  readonly family: string
  readonly scenario: ScenarioId
  readonly contender: string
  readonly ops: number
  readonly events: number
  readonly seconds: number
  readonly eventsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
}

/** Latencies of one contender in one scenario, across all its measured rounds. */
export class Recorder {
  readonly latencies: number[] = []
  ops = 0
  events = 0
  seconds = 0

  /** Times one operation of `events` events. */
  async time<T>(events: number, op: () => Promise<T>): Promise<T> {
    const start = performance.now()
    const result = await op()
    this.latencies.push(performance.now() - start)
    this.ops++
    this.events += events
    return result
  }

  /** Records an operation timed by the caller (a page of a catch-up). */
  add(ms: number, events: number): void {
    this.latencies.push(ms)
    this.ops++
    this.events += events
  }
}

/** A contender's share of a scenario: do `ops` operations, timing each on `recorder`. */
export type Work = (ops: number, recorder: Recorder) => Promise<void>

export interface Contender {
  readonly name: string
  readonly work: Work
}

export interface RunOptions {
  family: string
  scenario: ScenarioId
  /** Measured operations per contender. */
  ops: number
  rounds: number
  /** Fraction of `ops` run first, unmeasured. */
  warmUp: number
  progress: (line: string) => void
}

/**
 * Runs every contender on the same work in interleaved rounds (the order rotates each round), so
 * drift in the machine (checkpoints, caches, the other process on two cores) lands on all of them
 * alike. Throughput is measured events over the summed wall time of the measured rounds.
 */
export async function runInterleaved(
  contenders: readonly Contender[],
  options: RunOptions,
): Promise<Figure[]> {
  const { progress } = options
  const rounds = Math.max(1, Math.min(options.rounds, options.ops))
  const warmOps = Math.max(1, Math.round(options.ops * options.warmUp))
  for (const contender of contenders) {
    progress(`  warm-up   ${contender.name}: ${warmOps} ops`)
    await contender.work(warmOps, new Recorder())
  }
  const recorders = contenders.map(() => new Recorder())
  for (let round = 0; round < rounds; round++) {
    const ops = Math.floor(options.ops / rounds) + (round < options.ops % rounds ? 1 : 0)
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + round) % contenders.length
      const contender = contenders[i]!
      const recorder = recorders[i]!
      const start = performance.now()
      await contender.work(ops, recorder)
      const seconds = (performance.now() - start) / 1000
      recorder.seconds += seconds
      progress(`  round ${round + 1}/${rounds} ${contender.name}: ${ops} ops in ${seconds.toFixed(2)} s`)
    }
  }
  return contenders.map((contender, i) =>
    toFigure(options.family, options.scenario, contender.name, recorders[i]!),
  )
}

export function toFigure(
  family: string,
  scenario: ScenarioId,
  contender: string,
  recorder: Recorder,
): Figure {
  const sorted = Float64Array.from(recorder.latencies).sort()
  return {
    family,
    scenario,
    contender,
    ops: recorder.ops,
    events: recorder.events,
    seconds: recorder.seconds,
    eventsPerSecond: recorder.seconds > 0 ? recorder.events / recorder.seconds : 0,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  }
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)))
  return sorted[rank - 1]!
}
