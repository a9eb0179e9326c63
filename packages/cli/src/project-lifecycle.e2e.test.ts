// The scenario, end to end, with the `acta` command as a user runs it: a new project (npm
// install included), a service added, the project started in the background, another service added
// while requests keep flowing through the gateway, status, stop.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it, onTestFailed } from 'vitest'
import type { ProjectStatus } from './supervisor/project-status.js'
import { isAlive } from './supervisor/run-files.js'

const bin = fileURLToPath(new URL('../bin/acta.js', import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), 'acta-e2e-'))
const app = join(scratch, 'app')

// the test's own variables must not reach the generated project's vitest; and the output is read
// without colors, which picocolors would otherwise turn on under CI (or FORCE_COLOR) with no terminal
const inherited = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !key.startsWith('VITEST') && !['NODE_ENV', 'CI', 'FORCE_COLOR', 'NO_COLOR'].includes(key),
  ),
)
const env = { ...inherited, NO_COLOR: '1' }

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function run(command: string, args: readonly string[], cwd: string, timeoutMs = 180_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', reject)
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}
const acta = (args: readonly string[], cwd = app) => run(process.execPath, [bin, ...args], cwd)
const ok = (result: Run) => expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0)

/** A gateway port with the 40 ports above it free (the units take those). */
async function freePortBlock(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer()
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
    })
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 400) * 100
    const checks = await Promise.all(Array.from({ length: 41 }, (_, i) => free(base + i)))
    if (checks.every(Boolean)) return base
  }
}

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
})

afterAll(async () => {
  if (existsSync(join(app, '.acta', 'acta.pid'))) await acta(['stop'])
  rmSync(scratch, { recursive: true, force: true })
})

describe('the acta command, from a new project to a stopped one', () => {
  it('creates, tests, runs, extends while serving, reports and stops a project', async () => {
    // Given a new project, installed, whose own tests pass
    const port = await freePortBlock()
    const gateway = `http://127.0.0.1:${port}`
    ok(await acta(['new', app, '--port', String(port)], scratch))
    ok(await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['test'], app))

    // When a write service is added and the project starts in the background
    ok(await acta(['service', 'add', 'todo-write', '--path', '/api/v1/todo/', '--method', 'POST']))
    const started = await acta(['start', '-d'])
    // a failure below must not leave the project running for the next tests
    onTestFailed(async () => {
      if (existsSync(join(app, '.acta', 'acta.pid'))) await acta(['stop'])
    })
    ok(started)
    expect(started.stdout).toContain(gateway)
    const again = await acta(['start', '-d'])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('runs already')

    // Then requests through the gateway reach both services
    const written = await fetch(`${gateway}/api/v1/todo`, json({ id: 't1', data: { text: 'write it' } }))
    expect(written.status).toBe(200)
    expect(await written.json()).toMatchObject({ version: 1 })
    expect((await fetch(`${gateway}/hello`, json({ id: 'world', data: { greeting: 'hi' } }))).status).toBe(
      200,
    )
    expect(await (await fetch(`${gateway}/hello/world`)).json()).toMatchObject({ data: { greeting: 'hi' } })

    // When a read service is added while requests keep flowing
    const failures: string[] = []
    let requests = 0
    let flowing = true
    const traffic = (async () => {
      while (flowing) {
        requests++
        try {
          const answer =
            requests % 2 === 0
              ? await fetch(`${gateway}/hello/world`)
              : await fetch(`${gateway}/api/v1/todo/t-${requests}`, json({ data: { n: requests } }))
          await answer.arrayBuffer()
          if (answer.status !== 200) failures.push(`request ${requests}: ${answer.status}`)
        } catch (error) {
          failures.push(`request ${requests}: ${(error as Error).message}`)
        }
      }
    })()
    const added = await acta(['service', 'add', 'todo-read', '--path', '/api/v1/todo/', '--method', 'GET'])
    const read = await fetch(`${gateway}/api/v1/todo/t1`)
    flowing = false
    await traffic

    // Then the gateway routes to it, and no request failed meanwhile
    ok(added)
    expect(added.stdout).toContain('running todo-read')
    expect(read.status).toBe(200)
    expect(await read.json()).toMatchObject({ id: 't1', data: { text: 'write it' } })
    expect(failures).toEqual([])
    expect(requests).toBeGreaterThan(10)

    // And the status names every replica, ready
    const statusRun = await acta(['status', '--json'])
    ok(statusRun)
    const status = JSON.parse(statusRun.stdout) as ProjectStatus
    expect(status).toMatchObject({ running: true, mode: 'start', gateway: { url: gateway, answers: true } })
    expect(status.units.map((unit) => unit.name)).toEqual(['hello', 'todo-write', 'todo-read'])
    const replicas = status.units.flatMap((unit) => unit.replicas)
    expect(replicas.map((replica) => [replica.port, replica.ready])).toEqual([
      [port + 1, true],
      [port + 11, true],
      [port + 21, true],
    ])

    // And the admin API behind the gateway answers with the dashboard's token, and only with it
    expect(status.dashboard).toMatch(new RegExp(`^${gateway}/_acta/#token=.{16,}`))
    const token = decodeURIComponent(status.dashboard!.split('#token=')[1]!)
    const log = await fetch(`${gateway}/_acta/api/log?limit=500`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(log.status).toBe(200)
    const page = (await log.json()) as { events: { streamId: string }[] }
    expect(page.events.map((event) => event.streamId)).toContain('todo-t1')
    const refused = await fetch(`${gateway}/_acta/api/log`)
    expect(refused.status).toBe(401)
    expect(await refused.text()).not.toContain('todo-t1')

    // When it is stopped
    ok(await acta(['stop']))

    // Then every process is gone, the gateway with them
    for (const pid of [status.pid, ...replicas.map((replica) => replica.pid)])
      expect(isAlive(pid!)).toBe(false)
    await expect(fetch(`${gateway}/hello/world`)).rejects.toThrow()
    expect(existsSync(join(app, '.acta', 'acta.pid'))).toBe(false)
    const after = await acta(['status'])
    expect(after.code).toBe(3)
    expect(after.stdout).toContain('not running')
  }, 300_000)

  it('runs it with acta dev: prefixed colored logs, a code change restarts the unit, Ctrl-C stops everything', async () => {
    // Given the project of the test above, run with `acta dev` in the foreground
    const manifest = JSON.parse(readFileSync(join(app, 'acta.json'), 'utf8')) as { gateway: { port: number } }
    const gateway = `http://127.0.0.1:${manifest.gateway.port}`
    const dev = spawn(process.execPath, [bin, 'dev'], {
      cwd: app,
      env: { ...inherited, FORCE_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    dev.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    dev.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)))
    try {
      // the supervisor says these two in this order; they may reach the pipe in separate chunks
      await expect.poll(() => output, { timeout: 60_000, interval: 200 }).toContain('dashboard on')
      expect(output).toContain('gateway ready on')
      // eslint-disable-next-line no-control-regex
      expect(output).toMatch(/\u001b\[[0-9;]*m[^\n]*hello#1/)
      expect((await fetch(`${gateway}/hello/world`)).status).toBe(200)

      // When the service's code changes
      const source = join(app, 'services', 'hello', 'src', 'service.ts')
      const code = readFileSync(source, 'utf8')
      expect(code).toContain('changes: state.changes }')
      writeFileSync(
        source,
        code.replace('changes: state.changes }', "changes: state.changes, edited: 'yes' }"),
      )

      // Then dev restarts it, and the gateway serves the new code
      await expect.poll(() => output, { timeout: 30_000, interval: 200 }).toContain('changed; restarting')
      await expect
        .poll(
          async () => {
            const answer = await fetch(`${gateway}/hello/world`).catch(() => undefined)
            return answer?.ok ? ((await answer.json()) as { edited?: string }).edited : undefined
          },
          { timeout: 60_000, interval: 250 },
        )
        .toBe('yes')
    } finally {
      // When Ctrl-C reaches it, then everything stops and it exits cleanly
      dev.kill('SIGINT')
    }
    expect(await exited, output.slice(-3000)).toBe(0)
    await expect(fetch(`${gateway}/hello/world`)).rejects.toThrow()
    expect(existsSync(join(app, '.acta', 'acta.pid'))).toBe(false)
  }, 180_000)

  it('adds a projection and a process manager whose tests pass and which run under the supervisor; restart replaces it', async () => {
    // Given the same project, with a projection and a process manager added
    ok(await acta(['projection', 'add', 'todo-summary']))
    ok(await acta(['process-manager', 'add', 'todo-timers']))
    // Then the project's tests, theirs included, pass
    const tests = await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['test'], app)
    ok(tests)
    expect(tests.stdout + tests.stderr).toMatch(/todo-summary/)
    expect(tests.stdout + tests.stderr).toMatch(/todo-timers/)

    // When the project starts
    ok(await acta(['start', '-d']))
    try {
      // Then both run, ready, and the read side reports them
      const status = JSON.parse((await acta(['status', '--json'])).stdout) as ProjectStatus
      const units = Object.fromEntries(status.units.map((unit) => [unit.name, unit]))
      expect(units['todo-summary']?.replicas.map((replica) => replica.ready)).toEqual([true])
      expect(units['todo-timers']?.replicas.map((replica) => replica.ready)).toEqual([true])
      // and the dashboard's overview shows them too, though they have no gateway routes
      const token = decodeURIComponent(status.dashboard!.split('#token=')[1]!)
      await expect
        .poll(
          async () => {
            const answer = await fetch(`${status.gateway.url}/_acta/api/services`, {
              headers: { authorization: `Bearer ${token}` },
            })
            const { services } = (await answer.json()) as {
              services: Record<string, { upstreams: { healthy: boolean }[] }>
            }
            return ['todo-summary', 'todo-timers'].map((name) => services[name]?.upstreams[0]?.healthy)
          },
          { timeout: 10_000, interval: 250 },
        )
        .toEqual([true, true])
      await expect
        .poll(
          async () => {
            const listed = await acta(['projections', 'list', '--json'])
            if (listed.code !== 0) return listed.stderr
            const rows = JSON.parse(listed.stdout) as { name: string; kind: string; state: string }[]
            return rows
              .filter((row) => /todo_(summary|timers)/.test(row.name))
              .map((row) => `${row.kind}:${row.state}`)
              .sort()
          },
          { timeout: 30_000, interval: 500 },
        )
        .toEqual(['process-manager:running', 'projection:running'])

      // And `acta restart` replaces the supervisor: a new pid, every replica ready again
      const restarted = await acta(['restart'])
      ok(restarted)
      expect(restarted.stdout).toContain(`stopped (pid ${status.pid})`)
      const after = JSON.parse((await acta(['status', '--json'])).stdout) as ProjectStatus
      expect(after.pid).not.toBe(status.pid)
      expect(isAlive(status.pid!)).toBe(false)
      expect(after.units.flatMap((unit) => unit.replicas).every((replica) => replica.ready)).toBe(true)
    } finally {
      ok(await acta(['stop']))
    }
  }, 240_000)
})
