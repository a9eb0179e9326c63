import { uuidv7 } from '@acta/core'
import Database from 'better-sqlite3'
import type { SqliteSynchronous } from './config.js'
import { benchEvents, foldAmount, storedMetadataJson } from './target.js'
import type { StoreTarget } from './target.js'

/** A row in column order (`.raw()` mode: arrays, the cheapest rows better-sqlite3 makes). */
type Row = [
  globalPosition: number,
  streamId: string,
  version: number,
  eventId: string,
  type: string,
  data: string,
  metadata: string,
  recordedAt: number,
]

/**
 * Raw better-sqlite3 with the adapter's durability settings (WAL, the same `synchronous`) on a
 * table with the same columns and constraints as Acta's events table (AUTOINCREMENT included:
 * a log must never reuse a position). Writes run in BEGIN IMMEDIATE transactions, one prepared
 * INSERT per event; reads are prepared SELECTs in a transaction, rows as arrays.
 */
export function rawSqliteTarget(path: string, synchronous: SqliteSynchronous): StoreTarget {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${synchronous}`)
  db.exec(`
    CREATE TABLE events (
      global_position INTEGER PRIMARY KEY AUTOINCREMENT,
      stream_id TEXT NOT NULL,
      stream_version INTEGER NOT NULL,
      event_id TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL,
      data TEXT NOT NULL,
      metadata TEXT NOT NULL,
      recorded_at INTEGER NOT NULL,
      UNIQUE (stream_id, stream_version)
    ) STRICT`)
  const insert = db.prepare<[string, number, string, string, string, string, number]>(
    `INSERT INTO events (stream_id, stream_version, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  )
  const columns = 'global_position, stream_id, stream_version, event_id, type, data, metadata, recorded_at'
  const selectStream = db
    .prepare<[string], Row>(`SELECT ${columns} FROM events WHERE stream_id = ? ORDER BY stream_version`)
    .raw()
  const selectPage = db
    .prepare<[number, number], Row>(
      `SELECT ${columns} FROM events WHERE global_position > ? ORDER BY global_position LIMIT ?`,
    )
    .raw()
  const write = db.transaction((streamId: string, expectedVersion: number, count: number) => {
    const recordedAt = Date.now()
    let version = expectedVersion
    for (const event of benchEvents(streamId, expectedVersion, count)) {
      insert.run(
        streamId,
        ++version,
        uuidv7(),
        event.type,
        JSON.stringify(event.data),
        storedMetadataJson(event),
        recordedAt,
      )
    }
  })
  const readStream = db.transaction((streamId: string) => selectStream.all(streamId))
  const readPage = db.transaction((after: number, limit: number) => selectPage.all(after, limit))
  const parse = (row: Row): unknown => {
    JSON.parse(row[6])
    return JSON.parse(row[5])
  }

  return {
    name: 'raw better-sqlite3',
    async append(streamId, expectedVersion, count) {
      write.immediate(streamId, expectedVersion, count)
    },
    async readAndFold(streamId) {
      return readStream.deferred(streamId).reduce((total, row) => foldAmount(total, parse(row)), 0)
    },
    async catchUp(pageSize, onPage) {
      let after = 0
      let count = 0
      let total = 0
      for (;;) {
        const rows = readPage.deferred(after, pageSize)
        for (const row of rows) total = foldAmount(total, parse(row))
        count += rows.length
        if (rows.length < pageSize) return count
        after = rows[rows.length - 1]![0]
        onPage()
      }
    },
    async close() {
      db.close()
    },
  }
}
