import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Comparison } from './comparisons.js'
import type { GoalReading } from './goals.js'
import type { Figure } from './measure.js'
import { scenarioTitles } from './measure.js'

export interface BenchReport {
  readonly startedAt: string
  readonly finishedAt: string
  readonly config: Record<string, unknown>
  readonly environment: Record<string, unknown>
  readonly figures: readonly Figure[]
  readonly comparisons: readonly Comparison[]
  readonly goals: readonly GoalReading[]
  readonly skipped: readonly string[]
}

export function writeReport(dir: string, report: BenchReport): string {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `store-${report.startedAt.replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
  return file
}

const rate = (x: number): string => Math.round(x).toLocaleString('en-US')
const ms = (x: number): string =>
  x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3)

/** The comparison table (one line per subject/baseline pair), the scenario legend, then the goals. */
export function formatReport(report: BenchReport): string {
  const header = [
    'adapter',
    'scenario',
    'subject',
    'events/s',
    'p50 ms',
    'p99 ms',
    'baseline',
    'events/s',
    'p50 ms',
    'p99 ms',
    'ratio',
  ]
  const right = new Set([3, 4, 5, 7, 8, 9, 10])
  const rows = report.comparisons.map((c) => [
    c.family,
    `(${c.scenario})`,
    c.subject.contender,
    rate(c.subject.eventsPerSecond),
    ms(c.subject.p50Ms),
    ms(c.subject.p99Ms),
    c.baseline.contender,
    rate(c.baseline.eventsPerSecond),
    ms(c.baseline.p50Ms),
    ms(c.baseline.p99Ms),
    c.kind === 'gap safety'
      ? `${c.ratio.toFixed(2)} (cost ${((1 - c.ratio) * 100).toFixed(1)}%)`
      : c.ratio.toFixed(2),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  const out: string[] = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')]
  for (const [i, row] of rows.entries()) {
    const family = report.comparisons[i]!.family
    if (i > 0 && family !== report.comparisons[i - 1]!.family) out.push('')
    out.push(line(row))
  }
  out.push(
    '',
    'ratio = subject events/s ÷ baseline events/s, same run; latency is per append, per stream read, or per page (e)',
  )
  for (const [id, title] of Object.entries(scenarioTitles))
    out.push(`  (${id}) ${title.replace(/^\(\w\) /, '')}`)
  if (report.goals.length > 0) {
    out.push('', 'Goals (read, not asserted):')
    for (const g of report.goals) out.push(`  ${g.met ? 'met   ' : 'MISSED'}  ${g.goal}: ${g.value}`)
  }
  for (const s of report.skipped) out.push('', `SKIPPED ${s}`)
  return out.join('\n')
}
