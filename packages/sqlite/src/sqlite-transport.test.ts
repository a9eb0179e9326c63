import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { isActaError } from '@acta/core'
import type { IncomingMessage, Transport } from '@acta/core'
import { eventually, expectActaError, sleep, transportSuite } from '@acta/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sqliteEventStore } from './sqlite-event-store.js'
import { migrate } from './schema.js'
import { sqliteTransport } from './sqlite-transport.js'
import type { SqliteTransportOptions } from './sqlite-transport.js'
import { transportMigrations } from './transport-schema.js'

transportSuite('sqlite-local', {
  create: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acta-transport-'))
    const path = join(dir, 'transport.db')
    return {
      transport: sqliteTransport({ path }),
      // another connection to the file: another process, in effect
      connect: async () => sqliteTransport({ path }),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    }
  },
})

describe('sqliteTransport', () => {
  let dir: string
  let path: string
  let db: Database.Database
  const transports: Transport[] = []
  const open = (options: Omit<SqliteTransportOptions, 'path'> = {}): Transport => {
    const transport = sqliteTransport({ path, ...options })
    transports.push(transport)
    return transport
  }
  const count = (sql: string): number => db.prepare(sql).pluck().get() as number

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'acta-transport-'))
    path = join(dir, 'transport.db')
    open()
    db = new Database(path)
  })
  afterEach(async () => {
    for (const transport of transports.splice(0)) await transport.close()
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps a message from other consumers while a slow handler renews its lease', async () => {
    const slow = open({ visibilityTimeoutMs: 400 })
    const other = open({ visibilityTimeoutMs: 400 })
    const seen: string[] = []
    await slow.consume('slow', async () => {
      seen.push('slow')
      await sleep(1200)
    })
    await slow.send('slow', { type: 'Slow', data: {} })
    await eventually(() => seen.length === 1, 5_000, 'the slow handler')
    await other.consume('slow', () => void seen.push('other'))
    await sleep(1400)
    expect(seen).toEqual(['slow'])
    expect(count('SELECT count(*) FROM acta_transport_messages')).toBe(0)
  })

  it('parks a message whose consumers keep dying before acknowledging it', async () => {
    const transport = open()
    await transport.send('fragile', { type: 'Crash', data: { n: 1 } })
    // as if three consumers had claimed it and died: leases run out, deliveries counted
    db.prepare(
      "UPDATE acta_transport_messages SET deliveries = 3, claim = 'dead:1', available_at = ? WHERE queue = 'fragile'",
    ).run(Date.now() - 1)
    const handled: IncomingMessage[] = []
    await transport.consume('fragile', (m) => void handled.push(m), { maxAttempts: 3 })
    let letters = await transport.listDeadLetters('fragile')
    await eventually(async () => (letters = await transport.listDeadLetters('fragile')).length === 1)
    expect(handled).toEqual([])
    expect(letters[0]).toMatchObject({ attempts: 3, message: { type: 'Crash', data: { n: 1 } } })
    expect(letters[0]!.error).toMatch(/without an acknowledgement/)
  })

  it('deletes acknowledged messages, and drops requests that expired before a responder took them', async () => {
    const transport = open({ visibilityTimeoutMs: 300 })
    const handled: number[] = []
    await transport.consume('done', (m) => void handled.push((m.data as { i: number }).i))
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => transport.send('done', { type: 'D', data: { i } })),
    )
    await eventually(() => handled.length === 100)
    await eventually(() => count('SELECT count(*) FROM acta_transport_messages') === 0, 5_000, 'acks')

    await expectActaError(transport.request('late', { type: 'Q', data: {} }, { timeoutMs: 50 }), 'TIMEOUT')
    await eventually(
      () => count("SELECT count(*) FROM acta_transport_messages WHERE queue = 'rpc.late'") === 0,
      5_000,
      'the expired request removed',
    )
    await transport.send('rpc.late', { type: 'Plain', data: {} })
    const served: string[] = []
    await open().respond('late', (m) => void served.push(m.type))
    await eventually(() => served.length === 1)
    expect(served).toEqual(['Plain'])
  })

  it('removes an anonymous subscriber’s queue on close, and a dead process’s once its heartbeat is stale', async () => {
    const transport = open({ visibilityTimeoutMs: 200 })
    const sub = await transport.subscribe(['gone.*'], () => undefined)
    expect(count("SELECT count(*) FROM acta_transport_bindings WHERE pattern = 'gone.*'")).toBe(1)
    await sub.close()
    expect(count("SELECT count(*) FROM acta_transport_bindings WHERE pattern = 'gone.*'")).toBe(0)

    db.exec(`INSERT INTO acta_transport_instances VALUES ('ghost', 1, 0, 0);
             INSERT INTO acta_transport_owned_queues VALUES ('broadcast.ghost', 'ghost');
             INSERT INTO acta_transport_bindings VALUES ('#', 'broadcast.ghost');
             INSERT INTO acta_transport_dead_letters (id, queue, type, headers, data, source, attempts, error, failed_at)
             VALUES ('l-1', 'broadcast.ghost', 'T', '{}', 'null', 't', 1, 'x', 0);`)
    await transport.publish('any.thing', { type: 'T', data: {} })
    expect(count("SELECT count(*) FROM acta_transport_messages WHERE queue = 'broadcast.ghost'")).toBe(1)
    await eventually(
      () => count("SELECT count(*) FROM acta_transport_instances WHERE id = 'ghost'") === 0,
      5_000,
      'the reaper',
    )
    expect(count("SELECT count(*) FROM acta_transport_bindings WHERE queue = 'broadcast.ghost'")).toBe(0)
    expect(count("SELECT count(*) FROM acta_transport_messages WHERE queue = 'broadcast.ghost'")).toBe(0)
    expect(count("SELECT count(*) FROM acta_transport_dead_letters WHERE queue = 'broadcast.ghost'")).toBe(0)
  })

  it('binds its broadcast queues again, and says so, when another process reaped it while it was stalled', async () => {
    const errors: unknown[] = []
    const transport = open({ visibilityTimeoutMs: 150, onError: (e) => errors.push(e) })
    const got: unknown[] = []
    await transport.subscribe(['back.*'], (m) => void got.push(m.data))
    db.exec(
      'DELETE FROM acta_transport_instances; DELETE FROM acta_transport_owned_queues; DELETE FROM acta_transport_bindings',
    )
    await eventually(() => errors.length > 0, 5_000, 'the heartbeat noticing')
    expect(isActaError(errors[0], 'UNAVAILABLE')).toBe(true)
    await transport.publish('back.Again', { type: 'Again', data: 1 })
    await eventually(() => got.length === 1)
  })

  it('replays a dead letter exactly once when two processes replay it at once', async () => {
    const a = open()
    const b = open()
    const handled: number[] = []
    let healthy = false
    await a.consume(
      'replayed',
      (m) => {
        if (!healthy) throw new Error('not yet')
        handled.push(m.attempt)
      },
      { maxAttempts: 1 },
    )
    await a.send('replayed', { type: 'R', data: {} })
    let letters = await b.listDeadLetters()
    await eventually(async () => (letters = await b.listDeadLetters('replayed')).length === 1)
    healthy = true
    const ids = [letters[0]!.id]
    const replayed = await Promise.all([a.replayDeadLetters(ids), b.replayDeadLetters(ids)])
    expect(replayed.sort()).toEqual([0, 1])
    await eventually(() => handled.length === 1)
    await sleep(100)
    expect(handled).toEqual([1])
  })

  it('lists a retry waiting out its backoff as ready, not an expired request nor a reply queue, and keeps a drained queue', async () => {
    const transport = open()
    const statusOf = async (name: string) => (await transport.queues()).find((q) => q.queue === name)
    await transport.consume(
      'backing-off',
      () => {
        throw new Error('not now')
      },
      { maxAttempts: 2, retryDelayMs: 60_000 },
    )
    await transport.send('backing-off', { type: 'B', data: {} })
    await eventually(
      () => count('SELECT count(*) FROM acta_transport_messages WHERE last_error IS NOT NULL') === 1,
      5_000,
      'the first failure',
    )
    expect(await statusOf('backing-off')).toEqual({ queue: 'backing-off', ready: 1, consumers: 1, parked: 0 })

    await expectActaError(transport.request('absent', { type: 'Q', data: {} }, { timeoutMs: 30 }), 'TIMEOUT')
    expect(count("SELECT count(*) FROM acta_transport_messages WHERE queue = 'rpc.absent'")).toBe(1)
    expect(await statusOf('rpc.absent')).toEqual({ queue: 'rpc.absent', ready: 0, consumers: 0, parked: 0 })

    const drained = await transport.consume('drained', () => undefined)
    await transport.send('drained', { type: 'D', data: {} })
    await eventually(async () => (await statusOf('drained'))?.ready === 0, 5_000, 'the message handled')
    await drained.close()
    const listed = (await transport.queues()).map((q) => q.queue)
    expect(listed).toEqual(['backing-off', 'drained', 'rpc.absent'])
    expect(await statusOf('drained')).toEqual({ queue: 'drained', ready: 0, consumers: 0, parked: 0 })
  })

  it('stops counting the consumers of a transport presumed dead', async () => {
    // its housekeeping would beat its heartbeat again only in 20 s: dead, as far as the others know
    const doomed = open({ visibilityTimeoutMs: 60_000 })
    const survivor = open({ visibilityTimeoutMs: 200 })
    await doomed.consume('orphaned', () => undefined)
    await doomed.consume('doomed-only', () => undefined)
    await survivor.consume('orphaned', () => undefined)
    const consumersOf = async (queue: string) =>
      (await survivor.queues()).find((q) => q.queue === queue)?.consumers
    expect([await consumersOf('orphaned'), await consumersOf('doomed-only')]).toEqual([2, 1])
    db.exec(`UPDATE acta_transport_instances SET heartbeat_at = 0 WHERE id =
               (SELECT instance FROM acta_transport_consumers WHERE queue = 'doomed-only')`)
    await eventually(
      async () => (await consumersOf('orphaned')) === 1,
      5_000,
      'the dead transport’s consumers gone',
    )
    expect(await consumersOf('doomed-only')).toBe(0)
    expect(
      count("SELECT count(*) FROM acta_transport_consumers WHERE queue IN ('orphaned', 'doomed-only')"),
    ).toBe(1)
  })

  it('migrates a file of transport schema 1 to 2, listing the queues it already had', async () => {
    const old = join(dir, 'old.db')
    const file = new Database(old)
    migrate(file, {
      table: 'acta_transport_migrations',
      migrations: transportMigrations.filter((m) => m.version === 1),
      what: 'transport schema',
    })
    file.exec(`INSERT INTO acta_transport_messages (queue, available_at, type, headers, data, source, enqueued_at)
               VALUES ('orders', 0, 'T', '{}', 'null', 'orders', 0);
               INSERT INTO acta_transport_bindings VALUES ('shop.*', 'group.shop');
               INSERT INTO acta_transport_instances VALUES ('old', 1, 0, ${Date.now()});
               INSERT INTO acta_transport_owned_queues VALUES ('broadcast.old', 'old');
               INSERT INTO acta_transport_bindings VALUES ('shop.*', 'broadcast.old');`)
    file.close()
    const transport = sqliteTransport({ path: old })
    transports.push(transport)
    const migrated = new Database(old, { readonly: true })
    expect(migrated.prepare('SELECT version FROM acta_transport_migrations').pluck().all()).toEqual([1, 2])
    expect(migrated.prepare('SELECT queue FROM acta_transport_queues ORDER BY queue').pluck().all()).toEqual([
      'group.shop',
      'orders',
    ])
    migrated.close()
    const handled: unknown[] = []
    const consumer = await transport.consume('orders', (m) => void handled.push(m.type))
    await eventually(() => handled.length === 1)
    await consumer.close()
    await eventually(
      async () =>
        JSON.stringify(await transport.queues()) ===
        JSON.stringify([
          { queue: 'group.shop', ready: 0, consumers: 0, parked: 0 },
          { queue: 'orders', ready: 0, consumers: 0, parked: 0 },
        ]),
      5_000,
      'the drained queue still listed',
    )
  })

  it('shares a file with the event store, each recording its own migrations', async () => {
    const shared = join(dir, 'acta.db')
    const store = sqliteEventStore({ path: shared })
    const transport = sqliteTransport({ path: shared })
    transports.push(transport)
    const got: unknown[] = []
    await transport.consume('q', (m) => void got.push(m.data))
    await store.append('s', [{ type: 'A', data: {} }])
    await transport.send('q', { type: 'X', data: 1 })
    await eventually(() => got.length === 1)
    expect((await store.readStream('s')).version).toBe(1)
    await store.close()
    const file = new Database(shared, { readonly: true })
    expect(file.prepare('SELECT version FROM acta_transport_migrations').pluck().all()).toEqual(
      transportMigrations.map((m) => m.version),
    )
    expect(file.prepare('SELECT count(*) FROM acta_schema_migrations').pluck().get()).toBeGreaterThan(0)
    file.close()
  })

  it('rejects waiting requests and later calls once closed, and leaves a caller’s connection open', async () => {
    const connection = new Database(path)
    const responder = sqliteTransport({ database: connection })
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    await responder.respond('busy', async () => {
      await gate
      return 'late'
    })
    const requester = open()
    const pending = requester.request('busy', { type: 'Q', data: {} }, { timeoutMs: 10_000 })
    await sleep(50)
    await requester.close()
    await expectActaError(pending, 'UNAVAILABLE')
    await expectActaError(requester.send('q', { type: 'X', data: {} }), 'UNAVAILABLE')
    release()
    await responder.close()
    expect(connection.open).toBe(true)
    connection.close()
  })

  it('refuses invalid options', () => {
    expect(() => sqliteTransport({ path, database: db })).toThrow(/path or a database/)
    expect(() => sqliteTransport({ path, visibilityTimeoutMs: 0 })).toThrow(/visibilityTimeoutMs/)
    expect(() => sqliteTransport({ path, pollIntervalMs: -1 })).toThrow(/pollIntervalMs/)
    expect(() => sqliteTransport({ path, synchronous: 'OFF' as never })).toThrow(/synchronous/)
  })
})
