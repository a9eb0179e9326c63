import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { eventually } from '@acta/testing'
import { afterEach, describe, expect, it } from 'vitest'
import type { RouteTable } from './route-table.js'
import { call, startUpstream, type TestUpstream } from './upstreams.fixture.js'

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url))
const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((resource) => resource.close()))
})

/** Runs the bin from its TypeScript source in a child process. */
function acta(args: readonly string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--conditions=@acta/source', '--import', 'tsx', cli, ...args], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return { child, output: () => output }
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode
  const [code] = (await once(child, 'exit')) as [number | null]
  return code
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'acta-gateway-cli-'))
  open.push({ close: () => rm(dir, { recursive: true, force: true }) })
  return dir
}

async function upstream(name: string): Promise<TestUpstream> {
  const started = await startUpstream(name)
  open.push(started)
  return started
}

const tableFor = (u: TestUpstream): RouteTable => ({
  services: { kv: { upstreams: [u.url] } },
  routes: [{ methods: ['GET'], path: '/values/:key', service: 'kv' }],
})

describe('acta-gateway', () => {
  it('prints its usage with --help', async () => {
    const { child, output } = acta(['--help'])

    expect(await exitCode(child)).toBe(0)
    expect(output()).toMatch(/^Usage: acta-gateway --config routes.json/)
  })

  it('exits 1 with the problems of an invalid route table', async () => {
    const dir = await tempDir()
    await writeFile(
      join(dir, 'routes.json'),
      JSON.stringify({ services: { kv: { upstreams: [] } }, routes: [] }),
    )

    const { child, output } = acta(['--config', join(dir, 'routes.json'), '--check'])

    expect(await exitCode(child)).toBe(1)
    expect(output()).toContain('services.kv.upstreams: expected a non-empty array')
  })

  it('serves the table, reloads it on a real SIGHUP and stops on SIGTERM', async () => {
    const dir = await tempDir()
    const file = join(dir, 'routes.json')
    const first = await upstream('first')
    const second = await upstream('second')
    await writeFile(file, JSON.stringify(tableFor(first)))
    const { child, output } = acta(['--config', file, '--port', '0'])
    open.push({ close: async () => void child.kill('SIGKILL') })
    await eventually(() => /listening on (\S+)/.test(output()), 20_000, 'the gateway to listen')
    const url = /listening on (\S+)/.exec(output())![1]!

    expect((await call(`${url}/values/a`)).json()).toMatchObject({ upstream: 'first' })
    await writeFile(file, JSON.stringify(tableFor(second)))
    child.kill('SIGHUP')
    await eventually(() => output().includes('route table reloaded'), 10_000, 'the reload')
    expect((await call(`${url}/values/a`)).json()).toMatchObject({ upstream: 'second' })

    child.kill('SIGTERM')
    expect(await exitCode(child)).toBe(0)
  })
})
