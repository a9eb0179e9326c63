import { parseArgs } from 'node:util'

export type AdapterName = 'memory' | 'sqlite' | 'postgres'
export const adapterNames: readonly AdapterName[] = ['memory', 'sqlite', 'postgres']

export type SqliteSynchronous = 'NORMAL' | 'FULL'

/** Operation counts per scenario, after scaling. Each contender runs the same counts. */
export interface Sizes {
  /** (a) sequential single-event appends, per contender. */
  sequentialAppends: number
  /** (b) single-event appends spread over the concurrent writers, per contender. */
  concurrentAppends: number
  /** (b) concurrent writers, each on its own stream. */
  writers: number
  /** (c) batches per contender. */
  batches: number
  /** (c) and (d): events per batch and per folded stream. */
  batchSize: number
  /** (d) stream reads per contender. */
  streamReads: number
  /** (d) distinct streams the reads rotate over. */
  readStreams: number
  /** (e) events in the log to catch up on, per contender. */
  catchUpEvents: number
  /** (e) events per page (the adapters' default). */
  pageSize: number
  /** (e) timed catch-ups per contender. */
  catchUpRuns: number
  /** Measured work is split into this many rounds; contenders alternate within each round. */
  rounds: number
  /** Warm-up work per contender, as a fraction of the measured work. */
  warmUp: number
}

export interface BenchConfig {
  adapters: readonly AdapterName[]
  /** The adapters were named (--only): one that cannot run fails the run instead of being skipped. */
  named: boolean
  json: boolean
  scale: number
  sizes: Sizes
  postgresUrl: string
  /** SQLite is measured once per setting, adapter and raw driver alike. */
  sqliteSynchronous: readonly SqliteSynchronous[]
  /** Connections for PostgreSQL: the same for Acta, raw pg and Emmett. */
  postgresPoolSize: number
  resultsDir: string
  /** Debugging: leave the PostgreSQL schemas behind. */
  keepSchemas: boolean
}

const usage = `Usage: npm run -w @acta/bench store -- [--only=memory|sqlite|postgres[,...]] [--json]
   or: npm run bench:store -- -- [--only=...] [--json]

Environment:
  ACTA_BENCH_ONLY               same as --only
  ACTA_BENCH_SCALE              multiplies every operation count (default 1; 0.1 for a smoke run)
  ACTA_BENCH_POSTGRES_URL       default postgres://postgres@127.0.0.1:5432/test
  ACTA_BENCH_POSTGRES_POOL      connections per contender (default 32, one per concurrent writer)
  ACTA_BENCH_SQLITE_SYNCHRONOUS NORMAL, FULL or NORMAL,FULL (default NORMAL,FULL)
  ACTA_BENCH_KEEP_SCHEMAS=1     leave the run's PostgreSQL schemas behind for inspection`

export function readConfig(argv: readonly string[], env: NodeJS.ProcessEnv): BenchConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      only: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean' },
    },
    strict: true,
  })
  if (values.help) {
    console.log(usage)
    process.exit(0)
  }
  // `npm run bench:store -- --only=x` hands --only to npm (the root script adds no `--`), so the
  // same choice is accepted from ACTA_BENCH_ONLY; npm does pass --json on, as npm_config_json
  const only = values.only ?? env.ACTA_BENCH_ONLY
  const adapters = only === undefined || only === '' ? adapterNames : only.split(',').map(adapterName)
  const scale = positiveNumber('ACTA_BENCH_SCALE', env.ACTA_BENCH_SCALE ?? '1')
  const writers = 32
  return {
    adapters,
    named: adapters !== adapterNames,
    json: values.json || env.npm_config_json === 'true',
    scale,
    sizes: scaledSizes(scale, writers),
    postgresUrl: env.ACTA_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    sqliteSynchronous: (env.ACTA_BENCH_SQLITE_SYNCHRONOUS ?? 'NORMAL,FULL').split(',').map(sqliteSynchronous),
    postgresPoolSize: Math.round(
      positiveNumber('ACTA_BENCH_POSTGRES_POOL', env.ACTA_BENCH_POSTGRES_POOL ?? String(writers)),
    ),
    resultsDir: new URL('../results/', import.meta.url).pathname,
    keepSchemas: env.ACTA_BENCH_KEEP_SCHEMAS === '1',
  }
}

function scaledSizes(scale: number, writers: number): Sizes {
  const n = (base: number, min: number): number => Math.max(min, Math.round(base * scale))
  return {
    sequentialAppends: n(6000, 50),
    concurrentAppends: n(32_000, writers * 4),
    writers,
    batches: n(1500, 10),
    batchSize: 100,
    streamReads: n(5000, 50),
    readStreams: 100,
    catchUpEvents: n(100_000, 2000),
    pageSize: 500,
    catchUpRuns: 3,
    rounds: 5,
    warmUp: 0.2,
  }
}

function adapterName(value: string): AdapterName {
  const name = value.trim() as AdapterName
  if (!adapterNames.includes(name))
    throw new Error(`--only takes ${adapterNames.join('|')}, not '${value}'\n\n${usage}`)
  return name
}

function sqliteSynchronous(value: string): SqliteSynchronous {
  const setting = value.trim().toUpperCase()
  if (setting !== 'NORMAL' && setting !== 'FULL')
    throw new Error(`ACTA_BENCH_SQLITE_SYNCHRONOUS takes NORMAL or FULL, not '${value}'`)
  return setting
}

function positiveNumber(name: string, value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not '${value}'`)
  return n
}
