import { randomBytes } from 'node:crypto'
import { serviceGate } from '@acta/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { projectionCrashScenario } from './projection-crash-scenario.js'
import { dropPostgresSchema, probePostgres } from '@acta/postgres'

const postgresUrl = process.env.ACTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const postgres = await serviceGate('PostgreSQL', () => probePostgres(postgresUrl))
const schema = `acta_projection_crash_${randomBytes(4).toString('hex')}`
afterAll(async () => {
  if (!postgres.available) return
  await dropPostgresSchema(postgresUrl, schema)
})

describe.skipIf(!postgres.available)('projection on PostgreSQL killed mid-batch', () => {
  it('never applies an event twice: documents and checkpoint commit together', async () => {
    const report = await projectionCrashScenario(`${postgresUrl}?schema=${schema}`)
    console.log(`projection kill (postgres): ${JSON.stringify(report)}`)
    expect(report.length).toBeGreaterThan(0)
  }, 180_000)
})
