import type { CheckpointStore, EventStore, InboxStore, LeaseStore, Transport } from '@acta/core'
import { ValidationError, memoryCoordination, memoryEventStore, memoryTransport } from '@acta/core'
import { databaseTarget } from './database-url.js'

/** The adapters a service runs on: one event store, one transport, and coordination tables. */
export interface Infrastructure {
  readonly store: EventStore
  readonly transport: Transport
  readonly checkpoints: CheckpointStore
  readonly leases: LeaseStore
  readonly inbox: InboxStore
  /** Closes the transport (waiting for in-flight handlers), then coordination, then the store. */
  close(): Promise<void>
}

interface Coordination {
  checkpoints: CheckpointStore
  leases: LeaseStore
  inbox: InboxStore
  close(): Promise<void>
}

/**
 * Opens the adapters two URLs name. Database: `sqlite:<path>`, `postgres://…[?schema=name]` or
 * `memory`. Transport: `local` (SQLite file `.acta/transport.db`, works across the processes of
 * one machine), `sqlite:<path>`, `amqp://…[?prefix=name]` / `amqps://…` or `memory`. Adapter packages are loaded
 * only when their URL is used.
 *
 * @example
 * const infra = await openInfrastructure({ databaseUrl: 'sqlite:.acta/acta.db', transportUrl: 'local' })
 * await infra.store.append('cart-1', [{ type: 'Opened', data: {} }])
 * await infra.close()
 */
export async function openInfrastructure(urls: {
  databaseUrl: string
  transportUrl: string
}): Promise<Infrastructure> {
  const { databaseUrl, transportUrl } = urls
  let store: EventStore
  let coordination: Coordination
  const target = databaseTarget(databaseUrl)
  if (target.kind === 'sqlite') {
    const { sqliteCoordination, sqliteEventStore } = await import('@acta/sqlite')
    store = sqliteEventStore({ path: target.path })
    coordination = sqliteCoordination({ path: target.path })
  } else if (target.kind === 'postgres') {
    const { connectionString, schema } = target
    const { postgresCoordination, postgresEventStore } = await import('@acta/postgres')
    store = postgresEventStore({ connectionString, schema })
    coordination = postgresCoordination({ connectionString, schema })
  } else {
    store = memoryEventStore()
    const memory = memoryCoordination()
    coordination = { ...memory, close: async () => undefined }
  }
  let transport: Transport
  try {
    transport = await openTransport(transportUrl)
  } catch (error) {
    await coordination.close()
    await store.close()
    throw error
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

async function openTransport(transportUrl: string): Promise<Transport> {
  if (transportUrl === 'memory') return memoryTransport()
  if (transportUrl === 'local') return (await import('@acta/sqlite')).sqliteTransport()
  if (transportUrl.startsWith('sqlite:'))
    return (await import('@acta/sqlite')).sqliteTransport({ path: transportUrl.slice('sqlite:'.length) })
  if (/^amqps?:\/\//.test(transportUrl)) {
    // `?prefix=name` names every exchange and queue (default `acta`), so fleets and test runs
    // sharing a broker stay apart; the broker itself must not see it
    const url = new URL(transportUrl)
    const prefix = url.searchParams.get('prefix') ?? undefined
    url.searchParams.delete('prefix')
    const { rabbitmqTransport } = await import('@acta/rabbitmq')
    return rabbitmqTransport({ url: prefix === undefined ? transportUrl : url.toString(), prefix })
  }
  throw new ValidationError(
    `Unsupported transport URL ${transportUrl}: use local, sqlite:<path>, amqp://… or memory`,
  )
}
