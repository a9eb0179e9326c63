export { postgresEventStore } from './postgres-event-store.js'
export type { PostgresEventStore, PostgresEventStoreOptions } from './postgres-event-store.js'
export type {
  PostgresPool,
  PostgresPoolClient,
  PostgresQuery,
  PostgresQueryable,
  PostgresQueryResult,
} from './pool.js'
export { postgresCoordination } from './postgres-coordination.js'
export type { PostgresCoordination, PostgresCoordinationOptions } from './postgres-coordination.js'
export { postgresScheduleStore } from './postgres-schedule-store.js'
export type { PostgresScheduleStore, PostgresScheduleStoreOptions } from './postgres-schedule-store.js'
export { postgresDocumentStore } from './postgres-document-store.js'
export type { PostgresDocumentStore, PostgresDocumentStoreOptions } from './postgres-document-store.js'
export { dropPostgresSchema, probePostgres } from './probe.js'
