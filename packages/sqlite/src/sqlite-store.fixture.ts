// Opens the store a test process points at, from a child process (the conformance suite's crash
// test, and the cross-process tests here).
import type { EventStore } from '@acta/core'
import { sqliteEventStore } from './sqlite-event-store.js'

export async function openStore(env: Record<string, string | undefined>): Promise<EventStore> {
  const path = env.ACTA_TEST_SQLITE_PATH
  if (!path) throw new Error('ACTA_TEST_SQLITE_PATH is not set')
  return sqliteEventStore({ path })
}
