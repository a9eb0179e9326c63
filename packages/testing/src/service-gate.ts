import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

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

/**
 * Finds an nginx binary that runs — on `PATH`, else the Debian package's `/usr/sbin/nginx` — and
 * resolves to its path. Meant as a `serviceGate` probe for tests that start their own nginx.
 *
 * @example
 * let nginx = ''
 * const gate = await serviceGate('nginx', async () => (nginx = await nginxBinary()))
 */
export async function nginxBinary(): Promise<string> {
  const candidates = ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx']
  const failures: string[] = []
  for (const candidate of candidates) {
    try {
      await promisify(execFile)(candidate, ['-v'])
      return candidate
    } catch (error) {
      failures.push(`${candidate}: ${(error as Error).message.split('\n')[0]}`)
    }
  }
  throw new Error(`no runnable nginx binary (${failures.join('; ')}); install the Debian package "nginx"`)
}
