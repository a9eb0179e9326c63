export { defaultSqlitePath, sqliteEventStore } from './sqlite-event-store.js'
export type { SqliteEventStoreOptions } from './sqlite-event-store.js'
export { migrations, schemaVersion } from './schema.js'
export type { Migration } from './schema.js'
