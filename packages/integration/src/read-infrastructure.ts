import type { DocumentStore, EventStore, LeaseStore } from '@acta/core'
import { postgresCoordination, postgresEventStore } from '@acta/postgres'
import { databaseTarget, openReadStores } from '@acta/service'
import { sqliteCoordination, sqliteEventStore } from '@acta/sqlite'

export interface ReadInfrastructure {
  store: EventStore
  documents: DocumentStore
  leases: LeaseStore
  close(): Promise<void>
}

/** Event store, document store and leases in one database: `sqlite:<path>` or `postgres://…?schema=`. */
export async function openReadInfrastructure(databaseUrl: string): Promise<ReadInfrastructure> {
  const target = databaseTarget(databaseUrl)
  if (target.kind === 'memory') throw new Error('The fault tests need a database other processes can open')
  const coordination =
    target.kind === 'sqlite'
      ? sqliteCoordination({ path: target.path })
      : postgresCoordination(postgres(target))
  const store =
    target.kind === 'sqlite' ? sqliteEventStore({ path: target.path }) : postgresEventStore(postgres(target))
  const read = await openReadStores(databaseUrl)
  return {
    store,
    documents: read.documents,
    leases: coordination.leases,
    async close() {
      await read.close()
      await store.close()
      await coordination.close()
    },
  }
}

const postgres = (target: { connectionString: string; schema: string | undefined }) => ({
  connectionString: target.connectionString,
  schema: target.schema,
})
