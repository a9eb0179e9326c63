import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql'
import type pg from 'pg'
import { benchEvents } from './target.js'
import type { StoreTarget } from './target.js'

/**
 * Emmett's PostgreSQL event store, appending through `appendToStream` with an exact expected
 * version. It runs on a pool of the caller's (same size as the others') whose connections have
 * `search_path` set to the run's Emmett schema, since Emmett names its tables unqualified.
 */
export async function emmettTarget(connectionString: string, pool: pg.Pool): Promise<StoreTarget> {
  const store = getPostgreSQLEventStore(connectionString, { connectionOptions: { pool } })
  await store.schema.migrate()
  return {
    name: 'emmett',
    async append(streamId, expectedVersion, count) {
      await store.appendToStream(streamId, benchEvents(streamId, expectedVersion, count), {
        expectedStreamVersion: BigInt(expectedVersion),
      })
    },
    close: () => store.close(),
  }
}
