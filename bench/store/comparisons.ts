import type { Figure, ScenarioId } from './measure.js'

export type ComparisonKind = 'vs raw' | 'vs emmett' | 'gap safety'

/** `subject` throughput over `baseline` throughput, both measured in the same run. */
export interface Comparison {
  readonly family: string
  readonly scenario: ScenarioId
  readonly kind: ComparisonKind
  readonly subject: Figure
  readonly baseline: Figure
  readonly ratio: number
}

/** One comparison per scenario that both contenders ran. */
export function compare(
  figures: readonly Figure[],
  subject: string,
  baseline: string,
  kind: ComparisonKind,
): Comparison[] {
  const out: Comparison[] = []
  for (const s of figures) {
    if (s.contender !== subject) continue
    const b = figures.find(
      (f) => f.contender === baseline && f.scenario === s.scenario && f.family === s.family,
    )
    if (!b) continue
    out.push({
      family: s.family,
      scenario: s.scenario,
      kind,
      subject: s,
      baseline: b,
      ratio: s.eventsPerSecond / b.eventsPerSecond,
    })
  }
  return out
}
