import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { spawnService } from './spawn-service.js'

const script = fileURLToPath(new URL('./spawn-service.fixture.ts', import.meta.url))
const execArgv = ['--conditions=@acta/source', '--import', import.meta.resolve('tsx')]

describe('spawnService', () => {
  it('resolves with the URL of a ready child, which stops gracefully on stop()', async () => {
    // Given a service script that reports where it listens
    const service = await spawnService({ name: 'greeter', script, execArgv, env: { FIXTURE_GREETING: 'hi' } })
    try {
      // When it is asked over HTTP
      const ready = await fetch(`${service.url}/readyz`)
      const greeting = (await (await fetch(`${service.url}/greeting`)).json()) as unknown
      // Then it is ready and runs with the environment it was given
      expect(ready.status).toBe(200)
      expect(greeting).toEqual({ greeting: 'hi' })
    } finally {
      await service.stop()
    }
    // and SIGTERM ended it with runService's graceful exit
    expect(service.process.exitCode).toBe(0)
    await service.stop()
  }, 60_000)

  it('rejects with the end of its output when the child exits before listening', async () => {
    // Given a script that exits at once
    const started = spawnService({ name: 'quitter', script, execArgv, env: { FIXTURE_FAIL: 'no config' } })
    // Then the error names the child, how it ended and what it said
    await expect(started).rejects.toThrow(
      /quitter exited \(3\) before listening\nrefusing to start: no config/,
    )
  }, 60_000)
})
