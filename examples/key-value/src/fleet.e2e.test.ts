import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe } from 'vitest'
import { fleetChecks } from './fleet-checks.fixture.js'
import { startFleet } from './fleet.js'

// three replica processes behind the gateway, on SQLite files and the local transport in a temp dir
const dir = mkdtempSync(join(tmpdir(), 'acta-key-value-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the key-value fleet on SQLite and the local transport', () => {
  fleetChecks(() =>
    startFleet({
      env: {
        ACTA_DATABASE_URL: `sqlite:${join(dir, 'acta.db')}`,
        ACTA_TRANSPORT_URL: `sqlite:${join(dir, 'transport.db')}`,
      },
    }),
  )
})
