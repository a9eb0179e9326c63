import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { coordinationSuite } from '@acta/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { sqliteCoordination } from './sqlite-coordination.js'

const dir = mkdtempSync(join(tmpdir(), 'acta-coordination-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

coordinationSuite('sqlite', {
  create: async () => sqliteCoordination({ path: join(dir, `c-${n++}.db`) }),
})

describe('sqlite coordination', () => {
  it('shares leases and checkpoints between two handles on one file', async () => {
    const path = join(dir, 'shared.db')
    const a = sqliteCoordination({ path })
    const b = sqliteCoordination({ path })
    expect(await a.leases.acquire('relay', 'a', 60_000)).toBe(true)
    expect(await b.leases.acquire('relay', 'b', 60_000)).toBe(false)
    await a.checkpoints.save('relay', 7, { lease: { name: 'relay', owner: 'a' } })
    expect(await b.checkpoints.load('relay')).toBe(7)
    expect(await b.checkpoints.save('relay', 8, { lease: { name: 'relay', owner: 'b' } })).toBe(false)
    await a.close()
    await b.close()
  })
})
