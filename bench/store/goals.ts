import type { Comparison } from './comparisons.js'
import type { Figure, ScenarioId } from './measure.js'

/** A product goal read off the results. Reported, never asserted: the run's exit code ignores it. */
export interface GoalReading {
  readonly goal: string
  readonly value: string
  readonly met: boolean
}

const pct = (x: number): string => `${(x * 100).toFixed(0)}%`

export function readGoals(figures: readonly Figure[], comparisons: readonly Comparison[]): GoalReading[] {
  const readings: GoalReading[] = []
  const find = (family: string | RegExp, scenario: ScenarioId, kind: Comparison['kind'], subject: string) =>
    comparisons.filter(
      (c) =>
        (typeof family === 'string' ? c.family === family : family.test(c.family)) &&
        c.scenario === scenario &&
        c.kind === kind &&
        c.subject.contender === subject,
    )
  const atLeast = (goal: string, found: Comparison[], min: number): void => {
    for (const c of found)
      readings.push({ goal: `${c.family} ${goal}`, value: pct(c.ratio), met: c.ratio >= min })
  }
  atLeast('(a) Acta ≥ 80% of raw', find('postgres', 'a', 'vs raw', 'acta postgres'), 0.8)
  atLeast('(b) Acta ≥ 80% of raw', find('postgres', 'b', 'vs raw', 'acta postgres'), 0.8)
  atLeast('(c) Acta ≥ 70% of raw multi-row insert', find('postgres', 'c', 'vs raw', 'acta postgres'), 0.7)
  for (const f of figures.filter(
    (f) => f.family === 'postgres' && f.scenario === 'e' && f.contender === 'acta postgres',
  )) {
    readings.push({
      goal: 'postgres (e) Acta catch-up ≥ 100,000 events/s',
      value: `${Math.round(f.eventsPerSecond).toLocaleString('en-US')}/s`,
      met: f.eventsPerSecond >= 100_000,
    })
  }
  for (const scenario of ['a', 'b', 'c'] as const) {
    for (const c of find('postgres', scenario, 'gap safety', 'raw pg +xid8')) {
      readings.push({
        goal: `postgres (${scenario}) gap safety costs ≤ 10% of raw append throughput`,
        value: pct(1 - c.ratio),
        met: 1 - c.ratio <= 0.1,
      })
    }
    for (const c of find('postgres', scenario, 'vs emmett', 'acta postgres')) {
      readings.push({
        goal: `postgres (${scenario}) Acta ahead of Emmett`,
        value: `${c.ratio.toFixed(2)}×`,
        met: c.ratio > 1,
      })
    }
  }
  atLeast('(a) Acta ≥ 80% of raw', find(/^sqlite/, 'a', 'vs raw', 'acta sqlite'), 0.8)
  return readings
}
