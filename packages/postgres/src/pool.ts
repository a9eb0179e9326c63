import type { ClientConfig } from 'pg'

/** The result shape Acta reads from a query. */
export interface PostgresQueryResult<Row> {
  rows: Row[]
}

/** A query in node-postgres's config form; `name` makes it a prepared statement on each connection. */
export interface PostgresQuery {
  text: string
  values?: unknown[]
  name?: string
}

/** What the store needs from a connection: node-postgres's `Client` and `PoolClient` fit. */
export interface PostgresQueryable {
  query<Row = Record<string, unknown>>(query: PostgresQuery): Promise<PostgresQueryResult<Row>>
}

/** A connection checked out of a pool, for the few statements that need a transaction. */
export interface PostgresPoolClient extends PostgresQueryable {
  release(error?: Error | boolean): void
}

/**
 * The pool the store runs on, structurally: pass your own `pg.Pool` (or anything with the same
 * `query` and `connect`). `options` (present on `pg.Pool`) lets the store open its LISTEN connection
 * with the same settings.
 */
export interface PostgresPool extends PostgresQueryable {
  connect(): Promise<PostgresPoolClient>
  readonly options?: ClientConfig
}
