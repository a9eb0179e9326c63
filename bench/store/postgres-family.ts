import { randomBytes } from 'node:crypto'
import { postgresEventStore } from '@acta/postgres'
import pg from 'pg'
import { actaTarget } from './acta-target.js'
import { owe } from './cleanup.js'
import { compare } from './comparisons.js'
import { emmettTarget } from './emmett-target.js'
import type { FamilyResult } from './family.js'
import { rawPostgresTarget, rawTableDdl } from './postgres-raw-target.js'
import { Tracked, runScenarios } from './scenarios.js'
import type { ScenarioContext } from './scenarios.js'

export interface PostgresRunOptions {
  connectionString: string
  poolSize: number
  /** Leaves the schemas in place for inspection (ACTA_BENCH_KEEP_SCHEMAS=1). */
  keepSchemas: boolean
}

/**
 * Acta's PostgreSQL adapter, raw pg on a plain table and on a gap-safe one (the xid8 column and
 * index), and Emmett, all on ONE pool: same connection count and settings for every contender.
 * Each run gets fresh schemas (`acta_bench_<id>`, `…_raw`, `…_emmett`), dropped at the end; the
 * pool's search_path points at Emmett's, whose table names are unqualified. Acta and raw qualify theirs.
 */
export async function runPostgres(
  options: PostgresRunOptions,
  context: Omit<ScenarioContext, 'family'>,
): Promise<FamilyResult> {
  const family = 'postgres'
  const { connectionString, poolSize } = options
  const base = `acta_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
  const schemas = { acta: base, raw: `${base}_raw`, emmett: `${base}_emmett` }
  const admin = new pg.Client({ connectionString, application_name: applicationName })
  await admin.connect()
  const dropSchemas = owe(async () => {
    if (options.keepSchemas)
      context.progress(`${family}: keeping schemas ${Object.values(schemas).join(', ')}`)
    else
      for (const schema of Object.values(schemas))
        await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
    await admin.end()
  })
  // in the URL, not only in the pool's options: Emmett's migrations also open clients of their own
  const url = new URL(connectionString)
  url.searchParams.set('options', `-c search_path=${schemas.emmett}`)
  url.searchParams.set('application_name', applicationName)
  const pooled = url.toString()
  const pool = new pg.Pool({ connectionString: pooled, max: poolSize })
  pool.on('error', () => undefined)
  const targets: Tracked[] = []
  try {
    context.progress(
      `${family}: schemas ${Object.values(schemas).join(', ')}; one pool of ${poolSize} connections`,
    )
    const environment = await serverSettings(admin)
    await admin.query(
      `CREATE SCHEMA ${pg.escapeIdentifier(schemas.raw)}; CREATE SCHEMA ${pg.escapeIdentifier(schemas.emmett)}`,
    )
    const raw = pg.escapeIdentifier(schemas.raw)
    await admin.query(rawTableDdl(`${raw}.events`, 'events_log_order', false))
    await admin.query(rawTableDdl(`${raw}.events_gap_safe`, 'events_gap_safe_log_order', true))

    const store = postgresEventStore({ pool, schema: schemas.acta })
    await store.ready()
    targets.push(new Tracked(actaTarget('acta postgres', store)))
    targets.push(
      new Tracked(
        rawPostgresTarget({ name: 'raw pg', pool, table: `${raw}.events`, gapSafe: false, reads: true }),
      ),
    )
    targets.push(
      new Tracked(
        rawPostgresTarget({
          name: 'raw pg +xid8',
          pool,
          table: `${raw}.events_gap_safe`,
          gapSafe: true,
          reads: false,
        }),
      ),
    )
    targets.push(new Tracked(await emmettTarget(pooled, pool)))

    const othersBefore = await otherSessions(admin)
    if (othersBefore > 0)
      context.progress(
        `note: ${othersBefore} other PostgreSQL sessions are busy; they compete, and their transactions hold back gap-safe log reads`,
      )
    const figures = await runScenarios(targets, { ...context, family })
    const othersAfter = await otherSessions(admin)
    if (othersAfter > 0)
      context.progress(`note: ${othersAfter} other PostgreSQL sessions are busy at the end`)
    return {
      family,
      environment: {
        ...environment,
        poolSize,
        schemas,
        otherBusySessions: { start: othersBefore, end: othersAfter },
      },
      figures,
      comparisons: [
        ...compare(figures, 'acta postgres', 'raw pg', 'vs raw'),
        ...compare(figures, 'acta postgres', 'emmett', 'vs emmett'),
        ...compare(figures, 'emmett', 'raw pg', 'vs raw'),
        ...compare(figures, 'raw pg +xid8', 'raw pg', 'gap safety'),
      ],
    }
  } finally {
    for (const t of targets) await t.target.close()
    await pool.end()
    await dropSchemas()
  }
}

const applicationName = 'acta-bench'

/** Sessions of other programs that are running a statement or holding a transaction open. */
async function otherSessions(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_stat_activity
     WHERE backend_type = 'client backend' AND application_name <> $1 AND pid <> pg_backend_pid()
       AND (state <> 'idle' OR backend_xid IS NOT NULL)`,
    [applicationName],
  )
  return Number(rows[0]!.n)
}

async function serverSettings(client: pg.Client): Promise<Record<string, string>> {
  const names = [
    'server_version',
    'fsync',
    'synchronous_commit',
    'wal_sync_method',
    'full_page_writes',
    'shared_buffers',
    'max_connections',
  ]
  const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
    'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)',
    [names],
  )
  return Object.fromEntries(rows.map((r) => [r.name, r.unit ? `${r.setting} (${r.unit})` : r.setting]))
}
