import type { DocumentStore, EventStore, LeaseStore } from '@acta/core'
import { postgresCoordination, postgresDocumentStore, postgresEventStore } from '@acta/postgres'
import { sqliteCoordination, sqliteDocumentStore, sqliteEventStore } from '@acta/sqlite'

export interface ReadInfrastructure {
  store: EventStore
  documents: DocumentStore
  leases: LeaseStore
  close(): Promise<void>
}

/** Event store, document store and leases in one database: `sqlite:<path>` or `postgres://…?schema=`. */
export async function openReadInfrastructure(databaseUrl: string): Promise<ReadInfrastructure> {
  if (databaseUrl.startsWith('sqlite:')) {
    const path = databaseUrl.slice('sqlite:'.length)
    const coordination = sqliteCoordination({ path })
    const store = sqliteEventStore({ path })
    const documents = sqliteDocumentStore({ path })
    return {
      store,
      documents,
      leases: coordination.leases,
      async close() {
        await documents.close()
        await store.close()
        await coordination.close()
      },
    }
  }
  const url = new URL(databaseUrl)
  const schema = url.searchParams.get('schema') ?? undefined
  url.searchParams.delete('schema')
  const connectionString = url.toString()
  const coordination = postgresCoordination({ connectionString, schema })
  const store = postgresEventStore({ connectionString, schema })
  const documents = postgresDocumentStore({ connectionString, schema })
  return {
    store,
    documents,
    leases: coordination.leases,
    async close() {
      await documents.close()
      await store.close()
      await coordination.close()
    },
  }
}
