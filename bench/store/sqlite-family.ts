import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sqliteEventStore } from '@acta/sqlite'
import Database from 'better-sqlite3'
import { actaTarget } from './acta-target.js'
import { compare } from './comparisons.js'
import type { SqliteSynchronous } from './config.js'
import type { FamilyResult } from './family.js'
import { Tracked, runScenarios } from './scenarios.js'
import type { ScenarioContext } from './scenarios.js'
import { rawSqliteTarget } from './sqlite-raw-target.js'

/** Acta's SQLite adapter and raw better-sqlite3, each on a fresh file in a temporary directory. */
export async function runSqlite(
  synchronous: SqliteSynchronous,
  context: Omit<ScenarioContext, 'family'>,
): Promise<FamilyResult> {
  const family = `sqlite ${synchronous}`
  const dir = mkdtempSync(join(tmpdir(), 'acta-bench-sqlite-'))
  context.progress(`${family}: files in ${dir}`)
  const targets: Tracked[] = []
  try {
    targets.push(
      new Tracked(actaTarget('acta sqlite', sqliteEventStore({ path: join(dir, 'acta.db'), synchronous }))),
    )
    targets.push(new Tracked(rawSqliteTarget(join(dir, 'raw.db'), synchronous)))
    const figures = await runScenarios(targets, { ...context, family })
    return {
      family,
      environment: { sqliteVersion: sqliteVersion(), journalMode: 'wal', synchronous, directory: dir },
      figures,
      comparisons: compare(figures, 'acta sqlite', 'raw better-sqlite3', 'vs raw'),
    }
  } finally {
    for (const t of targets) await t.target.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

function sqliteVersion(): string {
  const db = new Database(':memory:')
  try {
    return db.prepare('SELECT sqlite_version()').pluck().get() as string
  } finally {
    db.close()
  }
}
