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

/**
 * Runs `work` in a transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when it
 * throws. A connection whose ROLLBACK failed is destroyed rather than returned to the pool.
 */
export async function inTransaction<T>(
  pool: PostgresPool,
  work: (client: PostgresPoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query({ text: 'BEGIN' })
    try {
      const result = await work(client)
      await client.query({ text: 'COMMIT' })
      return result
    } catch (error) {
      await client.query({ text: 'ROLLBACK' }).catch((rollbackError: unknown) => {
        broken =
          rollbackError instanceof Error
            ? rollbackError
            : new Error('ROLLBACK failed', { cause: rollbackError })
      })
      throw error
    }
  } finally {
    client.release(broken)
  }
}
