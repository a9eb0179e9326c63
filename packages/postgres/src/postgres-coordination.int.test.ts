import { randomBytes } from 'node:crypto'
import { coordinationSuite, serviceGate } from '@acta/testing'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { probePostgres, postgresCoordination } from './index.js'

const url = process.env.ACTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const postgres = await serviceGate('PostgreSQL', () => probePostgres(url))
const admin = postgres.available ? new pg.Pool({ connectionString: url, max: 4 }) : undefined
const freshSchema = (): string => `acta_coord_${randomBytes(5).toString('hex')}_"q"`
const drop = (schema: string) => admin!.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
afterAll(async () => admin?.end())

describe.skipIf(!postgres.available)('postgres coordination', () => {
  coordinationSuite('postgres', {
    async create() {
      const schema = freshSchema()
      const coordination = postgresCoordination({ connectionString: url, schema })
      return {
        ...coordination,
        dispose: async () => {
          await coordination.close()
          await drop(schema)
        },
      }
    },
  })

  it('migrates once when many instances start together, and records the version', async () => {
    const schema = freshSchema()
    const instances = Array.from({ length: 5 }, () => postgresCoordination({ pool: admin!, schema }))
    await Promise.all(instances.map((c) => c.ready()))
    const { rows } = await admin!.query<{ version: number }>(
      `SELECT version FROM ${pg.escapeIdentifier(schema)}.acta_coordination_migrations`,
    )
    expect(rows.map((r) => r.version)).toEqual([1])
    await Promise.all(instances.map((c) => c.close()))
    expect(await admin!.query('SELECT 1')).toBeTruthy()
    await drop(schema)
  })

  it('uses the database clock for leases, so a skewed client clock cannot steal one', async () => {
    const schema = freshSchema()
    const c = postgresCoordination({ pool: admin!, schema })
    expect(await c.leases.acquire('relay', 'a', 60_000)).toBe(true)
    const realNow = Date.now
    Date.now = () => realNow() + 3_600_000
    try {
      expect(await c.leases.acquire('relay', 'b', 60_000)).toBe(false)
    } finally {
      Date.now = realNow
    }
    await drop(schema)
  })
})
