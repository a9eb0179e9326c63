export interface ServiceGate {
  readonly available: boolean
  readonly reason: string
}

/**
 * Probes a server that integration tests need. When it is absent the tests skip with a loud
 * reason, unless `ACTA_REQUIRE_SERVICES=1` (CI), where the absence fails the run instead.
 *
 * @example
 * const postgres = await serviceGate('PostgreSQL', () => probe(url))
 * describe.skipIf(!postgres.available)('postgres event store', () => { ... })
 */
export async function serviceGate(name: string, probe: () => Promise<unknown>): Promise<ServiceGate> {
  try {
    await probe()
    return { available: true, reason: `${name} is reachable` }
  } catch (error) {
    const reason = `${name} is not reachable: ${(error as Error).message}`
    if (process.env.ACTA_REQUIRE_SERVICES === '1') {
      throw new Error(`${reason} (ACTA_REQUIRE_SERVICES=1, so this fails instead of skipping)`, {
        cause: error,
      })
    }
    console.warn(`\n  SKIPPING tests that need ${name}: ${reason}\n`)
    return { available: false, reason }
  }
}
