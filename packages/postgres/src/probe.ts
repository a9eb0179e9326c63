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
