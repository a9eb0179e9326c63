import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { projectionCrashScenario } from './projection-crash-scenario.js'

const dir = mkdtempSync(join(tmpdir(), 'acta-projection-crash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('projection on SQLite killed mid-batch', () => {
  it('never applies an event twice: documents and checkpoint commit together', async () => {
    const report = await projectionCrashScenario(`sqlite:${join(dir, 'acta.db')}`)
    console.log(`projection kill (sqlite): ${JSON.stringify(report)}`)
    expect(report.length).toBeGreaterThan(0)
  }, 180_000)
})
