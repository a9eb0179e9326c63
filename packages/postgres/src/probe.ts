import pg from 'pg'

/**
 * Resolves once a connection to the server opens (and closes it again); rejects with the driver's
 * error otherwise. For readiness checks and for gating integration tests.
 *
 * @example
 * const postgres = await serviceGate('PostgreSQL', () => probePostgres(url))
 */
export async function probePostgres(connectionString: string, timeoutMs = 3000): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: timeoutMs })
  await client.connect()
  await client.end()
}

/**
 * Drops a schema and everything in it, on a connection of its own: the clean-up of a test or a
 * benchmark that gave its stores a schema of their own. A schema that does not exist is fine.
 *
 * @example
 * afterAll(() => dropPostgresSchema(url, schema))
 */
export async function dropPostgresSchema(connectionString: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
  } finally {
    await client.end()
  }
}
