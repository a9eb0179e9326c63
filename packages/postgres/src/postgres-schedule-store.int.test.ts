import { randomBytes } from 'node:crypto'
import { scheduleStoreSuite, serviceGate } from '@acta/testing'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { probePostgres, postgresScheduleStore } from './index.js'

const url = process.env.ACTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const postgres = await serviceGate('PostgreSQL', () => probePostgres(url))
const admin = postgres.available ? new pg.Pool({ connectionString: url, max: 4 }) : undefined
const freshSchema = (): string => `acta_sched_${randomBytes(5).toString('hex')}_"q"`
const drop = (schema: string) => admin!.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
afterAll(async () => admin?.end())

describe.skipIf(!postgres.available)('postgres schedule store', () => {
  scheduleStoreSuite('postgres', {
    async create() {
      const schema = freshSchema()
      const store = postgresScheduleStore({ connectionString: url, schema })
      return {
        store,
        open: async () => postgresScheduleStore({ connectionString: url, schema }),
        dispose: () => drop(schema).then(() => undefined),
      }
    },
  })

  it('migrates once when many instances start together, and records the version', async () => {
    const schema = freshSchema()
    const instances = Array.from({ length: 5 }, () => postgresScheduleStore({ pool: admin!, schema }))
    await Promise.all(instances.map((s) => s.ready()))
    const { rows } = await admin!.query<{ version: number }>(
      `SELECT version FROM ${pg.escapeIdentifier(schema)}.acta_schedule_migrations`,
    )
    expect(rows.map((r) => r.version)).toEqual([1])
    await Promise.all(instances.map((s) => s.close()))
    expect(await admin!.query('SELECT 1')).toBeTruthy()
    await drop(schema)
  })

  it('uses the database clock for claims, so a skewed client clock cannot steal one', async () => {
    const schema = freshSchema()
    const store = postgresScheduleStore({ pool: admin!, schema })
    await store.schedule({ id: 't', dueAt: new Date(), payload: { type: 'tick', data: null } })
    expect(await store.claimDue({ now: new Date(), limit: 1, owner: 'a', ttlMs: 60_000 })).toHaveLength(1)
    const realNow = Date.now
    Date.now = () => realNow() + 3_600_000
    try {
      expect(await store.claimDue({ now: new Date(), limit: 1, owner: 'b', ttlMs: 60_000 })).toEqual([])
      expect(await store.complete('t', 'a')).toBe(true)
    } finally {
      Date.now = realNow
    }
    await drop(schema)
  })

  it('keeps a schema of its own apart from another', async () => {
    const [one, two] = [freshSchema(), freshSchema()]
    const a = postgresScheduleStore({ pool: admin!, schema: one })
    const b = postgresScheduleStore({ pool: admin!, schema: two })
    await a.schedule({ id: 't', dueAt: new Date(), payload: { type: 'tick', data: 1 } })
    expect(await b.get('t')).toBeUndefined()
    expect(await b.pending()).toEqual([])
    await drop(one)
    await drop(two)
  })
})
