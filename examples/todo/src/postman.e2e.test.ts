import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import newman, { type NewmanRunSummary } from 'newman'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTodoFleet, type TodoFleet } from './fleet.js'

const collection = JSON.parse(
  readFileSync(new URL('../todo.postman_collection.json', import.meta.url), 'utf8'),
) as unknown

function runCollection(baseUrl: string): Promise<NewmanRunSummary> {
  return new Promise((resolve, reject) => {
    newman.run(
      { collection, envVar: [{ key: 'baseUrl', value: baseUrl }], reporters: [], timeoutRequest: 15_000 },
      (error, summary) => (error ? reject(error) : resolve(summary)),
    )
  })
}

// the fleet as `npm run start:todo` runs it, on SQLite files and the local transport in a temp dir
const dir = mkdtempSync(join(tmpdir(), 'acta-todo-postman-'))
let fleet: TodoFleet | undefined
beforeAll(async () => {
  fleet = await startTodoFleet({
    cwd: dir,
    env: {
      ACTA_DATABASE_URL: `sqlite:${join(dir, 'acta.db')}`,
      ACTA_TRANSPORT_URL: `sqlite:${join(dir, 'transport.db')}`,
      TODO_MAIL_DIR: join(dir, 'mail'),
    },
  })
}, 120_000)
afterAll(async () => {
  await fleet?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('the Postman collection', () => {
  it('passes every assertion against the fleet behind its gateway', async () => {
    if (!fleet) throw new Error('the fleet did not start')
    const summary = await runCollection(fleet.url)
    const failures = summary.run.failures.map(
      ({ error, source }) => `${source?.name ?? '?'}: ${error.test ?? error.name}: ${error.message}`,
    )
    expect(failures).toEqual([])
    expect(summary.run.stats.requests.total).toBeGreaterThanOrEqual(25)
    expect(summary.run.stats.assertions.total).toBeGreaterThanOrEqual(25)
  }, 120_000)
})
