import type { DocumentStore, ScheduleStore } from '@acta/core'
import { memoryDocumentStore, memoryScheduleStore } from '@acta/core'
import { databaseTarget } from './database-url.js'

/** The read side's adapters in the service's database: documents (read models, checkpoints, builds) and timers. */
export interface ReadStores {
  readonly documents: DocumentStore
  readonly schedules: ScheduleStore
  /** Closes both (adapters you passed in are left open by their own rules). */
  close(): Promise<void>
}

/**
 * Opens the document store and the schedule store the database URL names, beside the event store
 * of the same URL: `sqlite:<path>` (same file), `postgres://…[?schema=name]` (same schema) or
 * `memory` (fresh, in this process only). Adapter packages are loaded only when used.
 *
 * @example
 * const { documents, schedules, close } = await openReadStores(ctx.config.databaseUrl)
 * const readSide = createReadSide({ store: ctx.store, documents, leases: ctx.leases })
 */
export async function openReadStores(databaseUrl: string): Promise<ReadStores> {
  const target = databaseTarget(databaseUrl)
  let documents: DocumentStore
  let schedules: ScheduleStore
  if (target.kind === 'sqlite') {
    const { sqliteDocumentStore, sqliteScheduleStore } = await import('@acta/sqlite')
    documents = sqliteDocumentStore({ path: target.path })
    schedules = sqliteScheduleStore({ path: target.path })
  } else if (target.kind === 'postgres') {
    const { connectionString, schema } = target
    const { postgresDocumentStore, postgresScheduleStore } = await import('@acta/postgres')
    documents = postgresDocumentStore({ connectionString, schema })
    schedules = postgresScheduleStore({ connectionString, schema })
  } else {
    documents = memoryDocumentStore()
    schedules = memoryScheduleStore()
  }
  return { documents, schedules, close: () => closeBoth(documents, schedules) }
}

async function closeBoth(documents: DocumentStore, schedules: ScheduleStore): Promise<void> {
  const results = await Promise.allSettled([documents.close(), schedules.close()])
  const failed = results.find((result) => result.status === 'rejected')
  if (failed) throw failed.reason
}
