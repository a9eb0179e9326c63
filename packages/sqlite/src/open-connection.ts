import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { Database as SqliteDatabase } from 'better-sqlite3'
import { configureConnection, type ConnectionSettings } from './schema.js'

/**
 * What every SQLite adapter does first: adopt the caller's connection, or open the file (creating
 * its folder); set busy timeout, WAL and synchronous; run the adapter's migrations. A file opened
 * here is closed again when that fails. `owned` tells the adapter whether `close()` closes it.
 */
export function openConnection(
  source: { path: string; database?: SqliteDatabase | undefined },
  settings: ConnectionSettings,
  migrateSchema: (db: SqliteDatabase) => void,
): { db: SqliteDatabase; owned: boolean } {
  const owned = source.database === undefined
  let db = source.database
  if (!db) {
    if (source.path !== ':memory:' && source.path !== '') mkdirSync(dirname(source.path), { recursive: true })
    db = new Database(source.path, { timeout: settings.busyTimeoutMs })
  }
  try {
    configureConnection(db, settings)
    migrateSchema(db)
  } catch (error) {
    if (owned) db.close()
    throw error
  }
  return { db, owned }
}
