import { randomBytes } from 'node:crypto'
import { projectionSuite, serviceGate } from '@acta/testing'
import pg from 'pg'
import { afterAll, describe } from 'vitest'
import { probePostgres, postgresCoordination, postgresDocumentStore, postgresEventStore } from './index.js'

const url = process.env.ACTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const postgres = await serviceGate('PostgreSQL', () => probePostgres(url))
const schemas: string[] = []
afterAll(async () => {
  if (!postgres.available) return
  const admin = new pg.Pool({ connectionString: url, max: 2 })
  for (const schema of schemas)
    await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
  await admin.end()
})

/** The event store, documents and leases of one schema, as a second instance would open them. */
const open = (schema: string) => {
  const coordination = postgresCoordination({ connectionString: url, schema })
  return {
    store: postgresEventStore({ connectionString: url, schema }),
    documents: postgresDocumentStore({ connectionString: url, schema }),
    leases: coordination.leases,
    dispose: () => coordination.close(),
  }
}

describe.skipIf(!postgres.available)('postgres projections', () => {
  projectionSuite('postgres', {
    async create() {
      const schema = `acta_projections_${randomBytes(5).toString('hex')}`
      schemas.push(schema)
      return { ...open(schema), reopen: async () => open(schema) }
    },
  })
})
