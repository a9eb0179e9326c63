import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import type { IncomingMessage, Transport } from '@acta/core'
import { eventually } from '@acta/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sqliteTransport } from './sqlite-transport.js'
import { transportMigrations } from './transport-schema.js'

const childScript = fileURLToPath(new URL('./transport-child.fixture.ts', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))

interface Child {
  process: ChildProcessWithoutNullStreams
  lines: string[]
  exited: Promise<number | null>
  say(line: string): void
}

let dir: string
let path: string
const children: Child[] = []
const transports: Transport[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'acta-transport-'))
  path = join(dir, 'transport.db')
})
afterEach(async () => {
  for (const child of children.splice(0)) if (child.process.exitCode === null) child.process.kill('SIGKILL')
  for (const transport of transports.splice(0)) await transport.close()
  rmSync(dir, { recursive: true, force: true })
})

function open(options: { visibilityTimeoutMs?: number } = {}): Transport {
  const transport = sqliteTransport({ path, ...options })
  transports.push(transport)
  return transport
}

function startChild(mode: string, env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, ['--conditions=@acta/source', '--import', 'tsx', childScript], {
    cwd: repoRoot,
    env: { ...process.env, ACTA_TEST_TRANSPORT_PATH: path, ACTA_TEST_MODE: mode, ...env },
  })
  const lines: string[] = []
  let stderr = ''
  let partial = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop()!
    lines.push(...parts)
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL') console.error(stderr)
      resolve(code)
    }),
  )
  const started = { process: child, lines, exited, say: (line: string) => child.stdin.write(`${line}\n`) }
  children.push(started)
  return started
}

const ready = (...all: Child[]) =>
  eventually(() => all.every((c) => c.lines.includes('ready')), 30_000, 'children ready')

async function stop(child: Child): Promise<void> {
  child.say('stop')
  expect(await child.exited).toBe(0)
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!
}

describe('sqliteTransport across processes', () => {
  it('carries commands, events and requests both ways between two processes', async () => {
    const here = open()
    const child = startChild('echo')
    const echoes: IncomingMessage[] = []
    const events: IncomingMessage[] = []
    await here.consume('to-parent', (m) => void echoes.push(m))
    await here.subscribe(['child.*'], (m) => void events.push(m))
    await ready(child)

    const headers = {
      correlationId: 'flow-1',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tenant: 'acme',
      n: 7,
      on: true,
    }
    for (let i = 0; i < 10; i++) await here.send('to-child', { type: 'Ping', data: { i }, headers })
    for (let i = 0; i < 5; i++) await here.publish('parent.Hello', { type: 'Hello', data: { i } })
    const replies = await Promise.all(
      Array.from({ length: 5 }, (_, i) => here.request('child-calc', { type: 'Add', data: { a: i, b: 10 } })),
    )

    await eventually(() => echoes.length === 10 && events.length === 5, 10_000, 'echoes and events')
    const echoed = echoes.map((m) => m.data as { data: { i: number }; headers: Record<string, unknown> })
    expect(echoed.map((e) => e.data.i).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    for (const e of echoed) expect(e.headers).toMatchObject({ ...headers, type: 'Ping' })
    expect(events.map((m) => [m.source, (m.data as { i: number }).i])).toEqual(
      [0, 1, 2, 3, 4].map((i) => ['child.Hello', i]),
    )
    expect(replies.map((r) => r.data)).toEqual(
      [0, 1, 2, 3, 4].map((i) => ({ sum: i + 10, pid: child.process.pid })),
    )
    await stop(child)
  }, 60_000)

  it('redelivers the message of a consumer killed with SIGKILL to another consumer, and reaps its broadcast queue', async () => {
    const visibilityTimeoutMs = 1000
    const here = open({ visibilityTimeoutMs })
    const child = startChild('hang', { ACTA_TEST_VISIBILITY_MS: String(visibilityTimeoutMs) })
    await ready(child)
    await here.send('work', { type: 'Work', data: { i: 1 } })
    await eventually(() => child.lines.includes('handling 1'), 10_000, 'the child handling it')

    const handled: IncomingMessage[] = []
    await here.consume('work', (m) => void handled.push(m))
    // the child renews its lease while its handler runs: nothing is redelivered meanwhile
    await new Promise((resolve) => setTimeout(resolve, visibilityTimeoutMs * 2))
    expect(handled).toEqual([])
    const work = async () => (await here.queues()).find((q) => q.queue === 'work')
    expect(await work()).toEqual({ queue: 'work', ready: 0, consumers: 2, parked: 0 })

    const killedAt = Date.now()
    child.process.kill('SIGKILL')
    await child.exited
    await eventually(() => handled.length === 1, 10_000, 'the redelivery')
    const waited = Date.now() - killedAt
    expect(handled[0]).toMatchObject({ data: { i: 1 }, attempt: 2, source: 'work' })

    const db = new Database(path, { readonly: true })
    try {
      const broadcastBindings = () =>
        db.prepare("SELECT count(*) FROM acta_transport_bindings WHERE pattern = 'hang.#'").pluck().get()
      await eventually(() => broadcastBindings() === 0, 10_000, 'the dead child’s broadcast queue reaped')
      expect((await work())?.consumers).toBe(1)
      await eventually(
        () => db.prepare('SELECT count(*) FROM acta_transport_messages').pluck().get() === 0,
        5_000,
        'the redelivered message acknowledged',
      )
    } finally {
      db.close()
    }
    console.info(`redelivered ${waited} ms after SIGKILL (visibility timeout ${visibilityTimeoutMs} ms)`)
  }, 60_000)

  it('lets two processes compete on one queue: 2,000 messages, each handled exactly once', async () => {
    const total = 2000
    // both open the fresh file at about the same time: each migration is applied once
    const workers = [startChild('compete'), startChild('compete')]
    await ready(...workers)
    const here = open()
    const sent: string[] = []
    const started = performance.now()
    for (let i = 0; i < total; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) => {
          const messageId = `m-${i + j}`
          sent.push(messageId)
          return here.send('shared', { type: 'Job', data: { i: i + j }, headers: { messageId } })
        }),
      )
    }
    const db = new Database(path, { readonly: true })
    try {
      await eventually(
        () => db.prepare('SELECT count(*) FROM acta_transport_messages').pluck().get() === 0,
        60_000,
        'every message handled and acknowledged',
      )
      expect(db.prepare('SELECT version FROM acta_transport_migrations').pluck().all()).toEqual(
        transportMigrations.map((m) => m.version),
      )
    } finally {
      db.close()
    }
    const seconds = (performance.now() - started) / 1000
    await Promise.all(workers.map(stop))
    const handled = workers.map((w) => {
      const line = w.lines.find((l) => l.startsWith('handled '))!
      return JSON.parse(line.slice('handled '.length)) as string[]
    })
    const all = handled.flat()
    expect(all).toHaveLength(total)
    expect(new Set(all)).toEqual(new Set(sent))
    expect(handled[0]!.length).toBeGreaterThan(0)
    expect(handled[1]!.length).toBeGreaterThan(0)
    console.info(
      `two competing processes: ${handled.map((h) => h.length).join(' + ')} messages in ${seconds.toFixed(2)} s (${Math.round(total / seconds)}/s, send included)`,
    )
  }, 120_000)

  it('measures publish-to-subscriber latency from another process', async () => {
    const pings = 200
    const here = open()
    const latencies: number[] = []
    await here.subscribe(['pings.*'], (m) => {
      latencies.push(performance.timeOrigin + performance.now() - (m.data as { sentAt: number }).sentAt)
    })
    const child = startChild('ping', { ACTA_TEST_COUNT: String(pings) })
    await ready(child)
    child.say('go')
    await eventually(() => latencies.length === pings, 30_000, 'every ping')
    expect(await child.exited).toBe(0)
    latencies.sort((a, b) => a - b)
    console.info(
      `cross-process publish -> subscriber: median ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, max ${latencies.at(-1)!.toFixed(2)} ms (${pings} events, 5 ms apart)`,
    )
  }, 60_000)
})
