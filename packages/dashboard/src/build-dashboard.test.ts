import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { dashboardBuildState } from './build-dashboard.js'

describe('when the dashboard app needs a build', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  const outDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'acta-web-dist-'))
    dirs.push(dir)
    return dir
  }

  it('needs one when nothing was built', async () => {
    expect(await dashboardBuildState(join(outDir(), 'nothing-here'))).toBe('missing')
  })

  it('needs one when the build is older than a source', async () => {
    // Given a build from long ago
    const dir = outDir()
    writeFileSync(join(dir, 'index.html'), '<!doctype html>')
    utimesSync(join(dir, 'index.html'), new Date(2000, 0, 1), new Date(2000, 0, 1))

    // Then the sources of this checkout are newer
    expect(await dashboardBuildState(dir)).toBe('stale')
  })

  it('needs none when the build is newer than every source', async () => {
    const dir = outDir()
    mkdirSync(join(dir, 'assets'))
    writeFileSync(join(dir, 'index.html'), '<!doctype html>')
    const later = new Date(Date.now() + 60_000)
    utimesSync(join(dir, 'index.html'), later, later)
    expect(await dashboardBuildState(dir)).toBe('fresh')
  })
})
