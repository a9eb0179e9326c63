import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { relayKillScenario } from './relay-scenario.js'

const dir = mkdtempSync(join(tmpdir(), 'acta-relay-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('outbox relay on SQLite and the local transport', () => {
  it('survives kill -9 of the active relay: every event handled, each effect once, in stream order', async () => {
    const result = await relayKillScenario(
      {
        databaseUrl: `sqlite:${join(dir, 'acta.db')}`,
        transportUrl: `sqlite:${join(dir, 'transport.db')}`,
      },
      { id: 'local' },
    )
    console.log(
      `relay kill (sqlite + local): ${result.deliveries} deliveries, ${result.duplicatesSkipped} duplicates skipped`,
    )
    expect(result.deliveries).toBeGreaterThan(0)
  }, 180_000)
})
