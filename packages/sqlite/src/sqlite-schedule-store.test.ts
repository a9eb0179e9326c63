import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { once } from 'node:events'
import { eventually, scheduleStoreSuite } from '@acta/testing'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { sqliteEventStore } from './sqlite-event-store.js'
import { sqliteScheduleStore } from './sqlite-schedule-store.js'

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
// each child says "ready", waits for a line on stdin, drains the file's due entries in small
// batches and prints the ids it claimed
const claimer = `
const { sqliteScheduleStore } = await import('@acta/sqlite')
const store = sqliteScheduleStore({ path: process.env.ACTA_TEST_SCHEDULES })
console.log('ready')
await new Promise((resolve) => process.stdin.once('data', resolve))
process.stdin.pause()
const claimed = []
for (;;) {
  const batch = await store.claimDue({ now: new Date(), limit: 3, owner: String(process.pid), ttlMs: 600000 })
  if (batch.length === 0) break
  claimed.push(...batch.map((entry) => entry.id))
}
await store.close()
console.log(JSON.stringify(claimed))
`

const dir = mkdtempSync(join(tmpdir(), 'acta-schedules-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

scheduleStoreSuite('sqlite', {
  async create() {
    const path = join(dir, `s-${n++}.db`)
    return { store: sqliteScheduleStore({ path }), open: async () => sqliteScheduleStore({ path }) }
  },
})

describe('sqlite schedule store', () => {
  it('shares a file with the event store and keeps a database it was given open', async () => {
    const path = join(dir, 'shared.db')
    const events = sqliteEventStore({ path })
    const database = new Database(path)
    const schedules = sqliteScheduleStore({ database })
    await schedules.schedule({ id: 't', dueAt: new Date(), payload: { type: 'tick', data: null } })
    await events.append('s', [{ type: 'A', data: {} }])
    await schedules.close()
    expect(database.open).toBe(true)
    expect(database.prepare('SELECT count(*) FROM acta_schedules').pluck().get()).toBe(1)
    expect(database.prepare('SELECT count(*) FROM acta_events').pluck().get()).toBe(1)
    database.close()
    await events.close()
  })

  it('keeps its entries when the file is reopened', async () => {
    const path = join(dir, 'reopen.db')
    const first = sqliteScheduleStore({ path })
    const dueAt = new Date(Date.now() + 60_000)
    await first.schedule({ id: 'later', dueAt, payload: { type: 'tick', data: { n: 1 } } })
    await first.close()
    const second = sqliteScheduleStore({ path })
    expect(await second.get('later')).toMatchObject({ status: 'pending', dueAt, payload: { data: { n: 1 } } })
    await second.close()
  })

  it('never hands one entry to two processes claiming from one file at once', async () => {
    // Given 600 due entries in a file
    const path = join(dir, 'processes.db')
    const store = sqliteScheduleStore({ path })
    for (let i = 0; i < 600; i++) {
      await store.schedule({
        id: `e-${i}`,
        dueAt: new Date(Date.now() - i),
        payload: { type: 'tick', data: i },
      })
    }
    // When four processes drain it at the same moment
    const children = Array.from({ length: 4 }, () => {
      const child = spawn(
        process.execPath,
        ['--conditions=@acta/source', '--import', 'tsx', '--input-type=module', '-e', claimer],
        { cwd: repoRoot, env: { ...process.env, ACTA_TEST_SCHEDULES: path } },
      )
      let stdout = ''
      let stderr = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
      const exited = once(child, 'exit').then(([code]) => {
        if (code !== 0) throw new Error(`claimer exited with ${String(code)}: ${stderr}`)
        return stdout
      })
      return { child, exited, ready: () => stdout.startsWith('ready') }
    })
    await eventually(() => children.every((c) => c.ready()), 30_000, 'the claimers to start')
    for (const { child } of children) child.stdin.end('go\n')
    const outputs = await Promise.all(children.map((c) => c.exited))
    // Then every entry was claimed by exactly one of them
    const perProcess = outputs.map((stdout) => JSON.parse(stdout.trim().split('\n').pop()!) as string[])
    const claimed = perProcess.flat()
    expect(claimed).toHaveLength(600)
    expect(new Set(claimed).size).toBe(600)
    expect(await store.claimDue({ now: new Date(), limit: 10, owner: 'late', ttlMs: 1000 })).toEqual([])
    await store.close()
  }, 60_000)
})
