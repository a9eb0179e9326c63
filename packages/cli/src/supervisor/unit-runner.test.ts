import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { crashBackoffMs, unitRunner, type UnitRunner } from './unit-runner.js'

const root = fileURLToPath(new URL('.', import.meta.url))

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

const runners: UnitRunner[] = []
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.stop()))
})

async function runner(env: Record<string, string> = {}) {
  const said: string[] = []
  const started = unitRunner({
    root,
    name: 'crashy',
    unit: {
      kind: 'service',
      dir: '.',
      entry: 'unit-runner.fixture.ts',
      replicas: 1,
      port: await freePort(),
      routes: [],
      env,
    },
    env: {},
    onLine: () => {},
    say: (message) => said.push(message),
    changed: () => {},
  })
  runners.push(started)
  return { runner: started, said, url: `http://127.0.0.1:${started.unit.port}` }
}

describe('crashBackoffMs', () => {
  it('waits 0.5 s after a first crash, doubling with each crash in a row, at most 30 s', () => {
    expect([1, 2, 3, 4, 6, 7, 20].map(crashBackoffMs)).toEqual([
      500, 1000, 2000, 4000, 16_000, 30_000, 30_000,
    ])
  })
})

describe('a unit runner whose replica crashes', () => {
  it('revives it after the backoff, longer when it crashes again soon, and counts the restarts', async () => {
    // Given a running replica
    const { runner: unit, said, url } = await runner()
    expect(await unit.start()).toBe(true)
    const first = unit.states()[0]!
    expect(first).toMatchObject({ state: 'ready', restarts: 0 })

    // When it crashes
    await (await fetch(`${url}/crash`)).text()
    await expect.poll(() => said.join('\n')).toContain('crashy#1 exited (code 3); restarting in 0.5 s')
    // Then it is reported crashed, without a process, until the delay has passed
    expect(unit.states()[0]).toMatchObject({ state: 'crashed', pid: null })
    // and it comes back in a new process
    await expect.poll(() => unit.states()[0]?.state, { timeout: 30_000 }).toBe('ready')
    const second = unit.states()[0]!
    expect(second.pid).not.toBe(first.pid)
    expect(second.restarts).toBe(1)
    expect((await fetch(`${url}/readyz`)).status).toBe(200)

    // When it crashes again soon after
    await (await fetch(`${url}/crash`)).text()
    // Then the delay doubles
    await expect.poll(() => said.at(-1)).toBe('crashy#1 exited (code 3); restarting in 1.0 s')
    await expect.poll(() => unit.states()[0]?.state, { timeout: 30_000 }).toBe('ready')
    expect(unit.states()[0]!.restarts).toBe(2)
  }, 60_000)

  it('keeps reviving a replica that exits at start, and a stop during the backoff ends it', async () => {
    // Given a replica that exits as soon as it starts
    const { runner: unit, said } = await runner({ CRASH_AT_START: '1' })
    expect(await unit.start()).toBe(false)
    await expect.poll(() => said).toContain('crashy#1 exited (code 4); restarting in 0.5 s')
    await expect
      .poll(() => said, { timeout: 30_000 })
      .toContain('crashy#1 exited (code 4); restarting in 1.0 s')

    // When the unit stops while a revival is pending
    await unit.stop()
    const heard = said.length
    // Then nothing is started again
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(said.length).toBe(heard)
    expect(unit.states()[0]).toMatchObject({ state: 'stopped', pid: null })
  }, 60_000)
})
