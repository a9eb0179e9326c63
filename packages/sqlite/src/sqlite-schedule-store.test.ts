import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { scheduleStoreSuite } from '@acta/testing'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { sqliteEventStore } from './sqlite-event-store.js'
import { sqliteScheduleStore } from './sqlite-schedule-store.js'

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
})
