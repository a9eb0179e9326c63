import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { isActaError } from '@acta/core'
import type { StoredEvent } from '@acta/core'
import { collect, eventually } from '@acta/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { migrations } from './schema.js'
import { sqliteEventStore } from './sqlite-event-store.js'

const childScript = fileURLToPath(new URL('./child-writer.fixture.ts', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))

let dir: string
let path: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'acta-sqlite-'))
  path = join(dir, 'acta.db')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

interface Child {
  process: ChildProcessWithoutNullStreams
  lines: string[]
  exited: Promise<number | null>
}

function startChild(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--conditions=@acta/source', '--import', 'tsx', childScript], {
    cwd: repoRoot,
    env: { ...process.env, ACTA_TEST_SQLITE_PATH: path, ...env },
  })
  const lines: string[] = []
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => lines.push(...chunk.split('\n')))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0) console.error(stderr)
      resolve(code)
    }),
  )
  return { process: child, lines, exited }
}

/** Starts children, waits until each is ready, then releases them at the same moment. */
async function runTogether(children: Child[]): Promise<void> {
  await eventually(() => children.every((c) => c.lines.includes('ready')), 30_000, 'children ready')
  for (const child of children) child.process.stdin.write('go\n')
  const codes = await Promise.all(children.map((c) => c.exited))
  expect(codes).toEqual(children.map(() => 0))
}

describe('sqliteEventStore across processes', () => {
  it('numbers versions uniquely and without gaps when two processes append to one file at once', async () => {
    const count = 300
    const streams = 3
    const writers = ['a', 'b'].map((writer) =>
      startChild({
        ACTA_TEST_MODE: 'append',
        ACTA_TEST_COUNT: String(count),
        ACTA_TEST_STREAMS: String(streams),
        ACTA_TEST_WRITER: writer,
      }),
    )
    await runTogether(writers)

    const appended = writers.map((w) => Number(/appended (\d+)/.exec(w.lines.join('\n'))?.[1]))
    expect(Math.min(...appended)).toBeGreaterThanOrEqual(count)

    const store = sqliteEventStore({ path })
    try {
      const log = await collect(store.readAll())
      expect(log).toHaveLength(appended[0]! + appended[1]!)
      const positions = log.map((e) => e.globalPosition)
      expect(positions).toEqual([...positions].sort((x, y) => x - y))
      expect(new Set(positions).size).toBe(log.length)
      for (let s = 0; s < streams; s++) {
        const { events, version } = await store.readStream(`shared-${s}`)
        expect(version).toBe(events.length)
        expect(events.map((e) => e.streamVersion)).toEqual(events.map((_, i) => i + 1))
      }
      // the writers overlapped: each one's last event follows the other's first
      const byWriter = (w: string) =>
        log.filter((e) => (e.data as { writer: string }).writer === w).map((e) => e.globalPosition)
      const [a, b] = [byWriter('a'), byWriter('b')]
      expect(a.at(-1)).toBeGreaterThan(b[0]!)
      expect(b.at(-1)).toBeGreaterThan(a[0]!)
    } finally {
      await store.close()
    }
  }, 60_000)

  it('wakes a subscriber here within milliseconds of an append by another process', async () => {
    const store = sqliteEventStore({ path })
    const pings = 25
    const latencies: number[] = []
    const seen: StoredEvent[] = []
    const subscription = store.subscribe()
    const consuming = (async () => {
      for await (const event of subscription) {
        latencies.push(performance.timeOrigin + performance.now() - (event.data as { sentAt: number }).sentAt)
        seen.push(event)
        if (seen.length === pings) break
      }
    })()
    try {
      await runTogether([startChild({ ACTA_TEST_MODE: 'ping', ACTA_TEST_COUNT: String(pings) })])
      await eventually(() => seen.length === pings, 5_000, 'every ping')
      await consuming
      latencies.sort((x, y) => x - y)
      const median = latencies[Math.floor(pings / 2)]!
      const worst = latencies.at(-1)!
      console.info(`cross-process wake-up: median ${median.toFixed(2)} ms, worst ${worst.toFixed(2)} ms`)
      expect(median).toBeLessThan(50)
      expect(worst).toBeLessThan(500)
    } finally {
      await subscription.close()
      await store.close()
    }
  }, 60_000)

  it('records each migration once when several processes open a fresh file at once', async () => {
    await runTogether(Array.from({ length: 4 }, () => startChild({ ACTA_TEST_MODE: 'open' })))
    const db = new Database(path, { readonly: true })
    try {
      const rows = db.prepare('SELECT version FROM acta_schema_migrations ORDER BY version').pluck().all()
      expect(rows).toEqual(migrations.map((m) => m.version))
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    } finally {
      db.close()
    }
  }, 60_000)
})

describe('sqliteEventStore', () => {
  it('records migrations once when two stores open a fresh file, and leaves a later opener alone', async () => {
    const first = sqliteEventStore({ path })
    const second = sqliteEventStore({ path })
    await first.append('s', [{ type: 'A', data: {} }])
    expect((await second.readStream('s')).version).toBe(1)
    await Promise.all([first.close(), second.close()])
    const db = new Database(path)
    expect(db.prepare('SELECT count(*) FROM acta_schema_migrations').pluck().get()).toBe(migrations.length)
    db.close()
  })

  it('applies the synchronous setting, WAL and the busy timeout to the connection', async () => {
    const db = new Database(path)
    const normal = sqliteEventStore({ database: db, busyTimeoutMs: 1234 })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('synchronous', { simple: true })).toBe(1)
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234)
    await normal.close()
    const full = sqliteEventStore({ database: db, synchronous: 'FULL' })
    expect(db.pragma('synchronous', { simple: true })).toBe(2)
    await full.close()
    expect(db.open).toBe(true)
    db.close()
    expect(() => sqliteEventStore({ path, synchronous: 'OFF' as never })).toThrow(/synchronous/)
  })

  it('creates the parent directory of its file', async () => {
    const nested = join(dir, 'a', 'b', 'acta.db')
    const store = sqliteEventStore({ path: nested })
    await store.append('s', [{ type: 'A', data: {} }])
    await store.close()
    const db = new Database(nested, { readonly: true })
    expect(db.prepare('SELECT count(*) FROM acta_events').pluck().get()).toBe(1)
    db.close()
  })

  it('fails with UNAVAILABLE, keeping the driver error, when another writer holds the lock past the busy timeout', async () => {
    const store = sqliteEventStore({ path, busyTimeoutMs: 50 })
    const other = new Database(path)
    other.exec('BEGIN IMMEDIATE')
    try {
      const error: unknown = await store.append('s', [{ type: 'A', data: {} }]).catch((e: unknown) => e)
      expect(isActaError(error, 'UNAVAILABLE')).toBe(true)
      expect((error as Error).cause).toMatchObject({ code: 'SQLITE_BUSY' })
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
    expect((await store.append('s', [{ type: 'A', data: {} }])).version).toBe(1)
    await store.close()
  })

  it('hides an append from readers until beforeCommit returns, and rolls it back when it throws', async () => {
    const pending: ((fail: boolean) => void)[] = []
    const store = sqliteEventStore({
      path,
      beforeCommit: () =>
        new Promise<void>((resolve, reject) => {
          pending.push((fail) => (fail ? reject(new Error('injected')) : resolve()))
        }),
    })
    const failing = store.append('s', [{ type: 'Doomed', data: {} }]).catch((e: unknown) => e)
    let headRead = false
    const head = store.headPosition().finally(() => (headRead = true))
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(headRead).toBe(false)
    pending.shift()!(true)
    expect(await failing).toMatchObject({ message: 'injected' })
    expect(await head).toBe(0)
    const kept = store.append('s', [{ type: 'Kept', data: {} }])
    await eventually(() => pending.length === 1)
    pending.shift()!(false)
    expect((await kept).events[0]).toMatchObject({ type: 'Kept', streamVersion: 1, globalPosition: 1 })
    await store.close()
  })

  it('works on a caller-provided in-memory database, subscriptions included', async () => {
    const db = new Database(':memory:')
    const store = sqliteEventStore({ database: db })
    const subscription = store.subscribe()
    const seen: StoredEvent[] = []
    const consuming = (async () => {
      for await (const event of subscription) if (seen.push(event) === 2) break
    })()
    await store.append('s', [{ type: 'A', data: 1 }])
    await store.append('s', [{ type: 'B', data: 2 }], { expectedVersion: 1 })
    await consuming
    expect(seen.map((e) => [e.type, e.streamVersion])).toEqual([
      ['A', 1],
      ['B', 2],
    ])
    await store.close()
    expect(db.open).toBe(true)
    db.close()
  })

  it('keeps the events table append-only, so a global position is never handed out twice', async () => {
    const store = sqliteEventStore({ path })
    await store.append('s', [
      { type: 'A', data: {} },
      { type: 'B', data: {} },
    ])
    const db = new Database(path)
    expect(() => db.exec('DELETE FROM acta_events WHERE global_position = 2')).toThrow(/append-only/)
    expect(() => db.exec("UPDATE acta_events SET data = '{}'")).toThrow(/append-only/)
    db.close()
    await store.deleteStream('s')
    expect((await store.append('s', [{ type: 'C', data: {} }])).position).toBe(3)
    await store.close()
  })

  it('refuses a file whose schema is newer than this version', async () => {
    await sqliteEventStore({ path }).close()
    const db = new Database(path)
    db.prepare('INSERT INTO acta_schema_migrations VALUES (999, ?, 0)').run('from the future')
    db.close()
    expect(() => sqliteEventStore({ path })).toThrow(/newer/)
  })

  it('rejects calls after close and leaves the file consistent', async () => {
    const store = sqliteEventStore({ path })
    await store.append('s', [{ type: 'A', data: {} }])
    await store.close()
    await store.close()
    const error: unknown = await store.readStream('s').catch((e: unknown) => e)
    expect(isActaError(error, 'UNAVAILABLE')).toBe(true)
    const reopened = sqliteEventStore({ path })
    expect((await reopened.streamInfo('s')).version).toBe(1)
    await reopened.close()
  })
})
