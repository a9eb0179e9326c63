import { randomBytes } from 'node:crypto'
import { probePostgres } from '@acta/postgres'
import { openInfrastructure, type Infrastructure } from '@acta/service'
import { serviceGate } from '@acta/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe } from 'vitest'
import { registerUserChecks } from './register-user-checks.fixture.js'

// the race and recovery checks of register-user.test.ts, with three writers on one PostgreSQL schema
const postgresUrl = process.env.ACTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const postgres = await serviceGate('PostgreSQL', () => probePostgres(postgresUrl))
const schema = `acta_todo_register_${randomBytes(4).toString('hex')}`
const databaseUrl = new URL(postgresUrl)
databaseUrl.searchParams.set('schema', schema)

const writers: Infrastructure[] = []
beforeAll(async () => {
  if (!postgres.available) return
  for (let i = 0; i < 3; i++)
    writers.push(await openInfrastructure({ databaseUrl: databaseUrl.toString(), transportUrl: 'memory' }))
})
afterAll(async () => {
  for (const writer of writers.splice(0)) await writer.close()
  if (!postgres.available) return
  const client = new pg.Client({ connectionString: postgresUrl })
  await client.connect()
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await client.end()
})

describe.skipIf(!postgres.available)('register-user on PostgreSQL, several writers', () =>
  registerUserChecks(() => writers),
)
