/**
 * The store benchmark: every Acta adapter against its raw driver doing the equivalent work, measured
 * in the same run (and PostgreSQL also against Emmett). Prints progress to stderr, the table to
 * stdout (or the JSON with --json), and writes bench/results/store-<timestamp>.json.
 *
 *   npm run bench:store -- --only=postgres
 *   ACTA_BENCH_SCALE=0.1 npm run bench:store
 */
import { cpus, loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { runPendingCleanups } from './store/cleanup.js'
import type { Comparison } from './store/comparisons.js'
import { readConfig } from './store/config.js'
import type { FamilyResult } from './store/family.js'
import { readGoals } from './store/goals.js'
import { runMemory } from './store/memory-family.js'
import { runPostgres } from './store/postgres-family.js'
import { formatReport, writeReport } from './store/report.js'
import { runSqlite } from './store/sqlite-family.js'

const config = readConfig(process.argv.slice(2), process.env)
const startedAt = new Date().toISOString()
const began = performance.now()
const progress = (line: string): void => {
  process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s] ${line}\n`)
}
const context = { sizes: config.sizes, progress }

process.once('SIGINT', () => {
  progress('interrupted: cleaning up')
  void runPendingCleanups().finally(() => process.exit(130))
})

const results: FamilyResult[] = []
const skipped: string[] = []
progress(
  `store benchmark: ${config.adapters.join(', ')}; scale ${config.scale}; sizes ${JSON.stringify(config.sizes)}`,
)
const loadAtStart = loadavg()[0]!
// the figures are only as good as the machine is quiet: say so when it is not
if (loadAtStart > 1)
  progress(
    `note: load average ${loadAtStart.toFixed(2)} at start; other processes compete for the ${cpus().length} cores`,
  )

if (config.adapters.includes('memory')) results.push(await runMemory(context))
if (config.adapters.includes('sqlite')) {
  for (const synchronous of config.sqliteSynchronous) results.push(await runSqlite(synchronous, context))
}
if (config.adapters.includes('postgres')) {
  try {
    results.push(
      await runPostgres(
        {
          connectionString: config.postgresUrl,
          poolSize: config.postgresPoolSize,
          keepSchemas: config.keepSchemas,
        },
        context,
      ),
    )
  } catch (error) {
    // an unreachable server is skipped loudly unless postgres was asked for by name
    if (!isConnectionRefused(error) || config.named) throw error
    const reason = `postgres: cannot reach ${redact(config.postgresUrl)} (${(error as Error).message}); set ACTA_BENCH_POSTGRES_URL`
    skipped.push(reason)
    progress(`SKIPPED ${reason}`)
  }
}

const figures = results.flatMap((r) => r.figures)
const comparisons = results.flatMap((r) => [...r.comparisons].sort(byScenario))
const report = {
  startedAt,
  finishedAt: new Date().toISOString(),
  config: {
    adapters: config.adapters,
    scale: config.scale,
    sizes: config.sizes,
    sqliteSynchronous: config.sqliteSynchronous,
    postgresPoolSize: config.postgresPoolSize,
  },
  environment: {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    loadAverage: { start: loadAtStart, end: loadavg()[0] },
    ...Object.fromEntries(results.map((r) => [r.family, r.environment])),
  },
  figures,
  comparisons,
  goals: readGoals(figures, comparisons),
  skipped,
}
const file = writeReport(config.resultsDir, report)
progress(`done in ${((performance.now() - began) / 1000).toFixed(0)} s; results in ${file}`)
process.stdout.write(config.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${formatReport(report)}\n`)

function byScenario(a: Comparison, b: Comparison): number {
  return a.scenario.localeCompare(b.scenario)
}

function isConnectionRefused(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === '3D000' ||
    code === '28P01'
  )
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}
