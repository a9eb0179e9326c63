import type { CheckpointStore, EventStore, InboxStore, LeaseStore, Transport } from '@acta/core'
import { ValidationError } from '@acta/core'
import { postgresCoordination, postgresEventStore } from '@acta/postgres'
import { sqliteCoordination, sqliteEventStore, sqliteTransport } from '@acta/sqlite'

export interface Infrastructure {
  store: EventStore
  transport: Transport
  checkpoints: CheckpointStore
  leases: LeaseStore
  inbox: InboxStore
  close(): Promise<void>
}

/**
 * Opens the adapters two URLs name: `sqlite:<path>` or `postgres://…[?schema=name]` for the database,
 * `local`, `sqlite:<path>` or `amqp://…` for the transport.
 */
export async function openInfrastructure(urls: {
  databaseUrl: string
  transportUrl: string
}): Promise<Infrastructure> {
  const { databaseUrl, transportUrl } = urls
  let store: EventStore
  let coordination: {
    checkpoints: CheckpointStore
    leases: LeaseStore
    inbox: InboxStore
    close(): Promise<void>
  }
  if (databaseUrl.startsWith('sqlite:')) {
    const path = databaseUrl.slice('sqlite:'.length)
    store = sqliteEventStore({ path })
    coordination = sqliteCoordination({ path })
  } else if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    // `?schema=name` picks the schema of Acta's tables; PostgreSQL itself must not see it
    const url = new URL(databaseUrl)
    const schema = url.searchParams.get('schema') ?? undefined
    url.searchParams.delete('schema')
    const connectionString = url.toString()
    store = postgresEventStore({ connectionString, schema })
    coordination = postgresCoordination({ connectionString, schema })
  } else {
    throw new ValidationError(`Unsupported database URL ${databaseUrl}: use sqlite:<path> or postgres://…`)
  }
  let transport: Transport
  if (transportUrl === 'local') transport = sqliteTransport()
  else if (transportUrl.startsWith('sqlite:'))
    transport = sqliteTransport({ path: transportUrl.slice('sqlite:'.length) })
  else if (/^amqps?:\/\//.test(transportUrl)) {
    const { rabbitmqTransport } = await import('@acta/rabbitmq')
    transport = rabbitmqTransport({ url: transportUrl })
  } else {
    throw new ValidationError(
      `Unsupported transport URL ${transportUrl}: use local, sqlite:<path> or amqp://…`,
    )
  }
  return {
    store,
    transport,
    checkpoints: coordination.checkpoints,
    leases: coordination.leases,
    inbox: coordination.inbox,
    async close() {
      await transport.close()
      await coordination.close()
      await store.close()
    },
  }
}
