// Opens the store under test in a child process (the conformance suite's crash test).
import type { EventStore } from '@acta/core'
import { postgresEventStore } from './postgres-event-store.js'

export async function openStore(env: Record<string, string | undefined>): Promise<EventStore> {
  const connectionString = env.ACTA_TEST_POSTGRES_URL
  const schema = env.ACTA_TEST_POSTGRES_SCHEMA
  if (!connectionString || !schema)
    throw new Error('ACTA_TEST_POSTGRES_URL and ACTA_TEST_POSTGRES_SCHEMA must be set')
  const store = postgresEventStore({ connectionString, schema, listen: false })
  await store.ready()
  return store
}
