import { uuidv7 } from '@acta/core'
import pg from 'pg'
import { benchEvents, foldAmount, storedMetadataJson } from './target.js'
import type { StoreTarget } from './target.js'

export interface RawPostgresOptions {
  name: string
  pool: pg.Pool
  /** Schema-qualified, quoted table name. */
  table: string
  /** Adds the `xid8 DEFAULT pg_current_xact_id()` column and the (tx_id, global_position) index. */
  gapSafe: boolean
  /** Whether (d) and (e) run on this table. */
  reads: boolean
}

/** The columns and constraints of Acta's events table; the gap-safe variant adds what gap safety costs. */
export function rawTableDdl(table: string, indexName: string, gapSafe: boolean): string {
  return `
    CREATE TABLE ${table} (
      global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      ${gapSafe ? 'tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),' : ''}
      stream_id text NOT NULL,
      stream_version bigint NOT NULL,
      event_id uuid NOT NULL UNIQUE,
      type text NOT NULL,
      data jsonb NOT NULL,
      metadata jsonb NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (stream_id, stream_version)
    );
    ${gapSafe ? `CREATE INDEX ${indexName} ON ${table} (tx_id, global_position);` : ''}`
}

/**
 * node-postgres's stock parsers for the types a raw reader meets. Passed with every query because
 * Emmett (through dumbo) replaces the process-wide parsers for int8 and json/jsonb when it starts,
 * which would otherwise slow this baseline down. Acta selects JSON as text and is unaffected.
 */
const stockParser = (oid: number): ((value: string) => unknown) => {
  if (oid === 20) return (value) => value
  if (oid === 114 || oid === 3802) return (value) => JSON.parse(value) as unknown
  return pg.types.getTypeParser(oid, 'text') as (value: string) => unknown
}
const stockTypes = { getTypeParser: stockParser }

/** A row in column order (`rowMode: 'array'`, the cheapest rows node-postgres makes). */
type Row = [
  globalPosition: string,
  streamId: string,
  version: string,
  eventId: string,
  type: string,
  data: { amount: number },
  metadata: unknown,
  recordedAt: Date,
]

/**
 * Raw node-postgres doing the equivalent work, each statement in autocommit (one round trip, one
 * commit) and prepared by name like the adapter's: a single-row INSERT, a multi-row INSERT over
 * unnest, a SELECT by stream ordered by version, keyset-paged SELECTs over the global position.
 * The unique (stream_id, stream_version) is its only concurrency guard. Rows come back as arrays.
 */
export function rawPostgresTarget(options: RawPostgresOptions): StoreTarget {
  const { pool, table, name } = options
  const key = name.replace(/\W+/g, '_')
  const insertOne = `INSERT INTO ${table} (stream_id, stream_version, event_id, type, data, metadata)
    VALUES ($1, $2, $3, $4, $5, $6)`
  const insertMany = `INSERT INTO ${table} (stream_id, stream_version, event_id, type, data, metadata)
    SELECT $1::text, $2::bigint + i.ord, i.id, i.type, i.data::jsonb, i.metadata::jsonb
    FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS i(id, type, data, metadata, ord)`
  const columns = 'global_position, stream_id, stream_version, event_id, type, data, metadata, recorded_at'
  const selectStream = `SELECT ${columns} FROM ${table} WHERE stream_id = $1 ORDER BY stream_version`
  const selectPage = `SELECT ${columns} FROM ${table} WHERE global_position > $1 ORDER BY global_position LIMIT $2`

  const target: StoreTarget = {
    name,
    async append(streamId, expectedVersion, count) {
      const events = benchEvents(streamId, expectedVersion, count)
      if (count === 1) {
        const event = events[0]!
        await pool.query({
          name: `${key}_insert_one`,
          text: insertOne,
          values: [
            streamId,
            expectedVersion + 1,
            uuidv7(),
            event.type,
            JSON.stringify(event.data),
            storedMetadataJson(event),
          ],
        })
        return
      }
      await pool.query({
        name: `${key}_insert_many`,
        text: insertMany,
        values: [
          streamId,
          expectedVersion,
          events.map(() => uuidv7()),
          events.map((e) => e.type),
          events.map((e) => JSON.stringify(e.data)),
          events.map(storedMetadataJson),
        ],
      })
    },
    close: async () => {},
  }
  if (!options.reads) return target
  return {
    ...target,
    async readAndFold(streamId) {
      const { rows } = await pool.query<Row>({
        name: `${key}_select_stream`,
        text: selectStream,
        values: [streamId],
        types: stockTypes,
        rowMode: 'array',
      })
      return rows.reduce((total, row) => foldAmount(total, row[5]), 0)
    },
    async catchUp(pageSize, onPage) {
      let after = '0'
      let count = 0
      let total = 0
      for (;;) {
        const { rows } = await pool.query<Row>({
          name: `${key}_select_page`,
          text: selectPage,
          values: [after, pageSize],
          types: stockTypes,
          rowMode: 'array',
        })
        for (const row of rows) total = foldAmount(total, row[5])
        count += rows.length
        if (rows.length < pageSize) return count
        after = rows[rows.length - 1]![0]
        onPage()
      }
    },
  }
}
