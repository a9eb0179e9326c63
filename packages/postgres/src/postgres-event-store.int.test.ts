import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { isActaError, type StoredEvent } from '@acta/core'
import { collect, eventStoreSuite, eventually, expectActaError, serviceGate, sleep } from '@acta/testing'
import pg from 'pg'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import {
  postgresEventStore,
  probePostgres,
  type PostgresEventStore,
  type PostgresEventStoreOptions,
  type PostgresPool,
} from './index.js'

const url = process.env.ACTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const postgres = await serviceGate('PostgreSQL', () => probePostgres(url))

// Schema names carry a quote, a double quote and non-ASCII letters, so every statement's quoting is exercised.
const freshSchema = (): string => `acta_test_${randomBytes(5).toString('hex')}_"it's"_ü`
const admin = postgres.available ? new pg.Pool({ connectionString: url, max: 4 }) : undefined
const dropSchema = async (schema: string): Promise<void> => {
  await admin!.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
}
afterAll(async () => admin?.end())

describe.skipIf(!postgres.available)('postgres event store', () => {
  eventStoreSuite('postgres', {
    async create(options) {
      const schema = freshSchema()
      const store = postgresEventStore({ connectionString: url, schema, beforeCommit: options?.beforeCommit })
      return {
        store,
        childEnv: { ACTA_TEST_POSTGRES_URL: url, ACTA_TEST_POSTGRES_SCHEMA: schema },
        dispose: () => dropSchema(schema),
      }
    },
    childFixture: fileURLToPath(new URL('./postgres-store.fixture.ts', import.meta.url)),
  })

  describe('adapter', () => {
    const opened: PostgresEventStore[] = []
    const schemas: string[] = []
    const open = (options: Partial<PostgresEventStoreOptions> & { schema: string }): PostgresEventStore => {
      const store = postgresEventStore({ connectionString: url, ...options })
      opened.push(store)
      return store
    }
    const schema = (): string => {
      const name = freshSchema()
      schemas.push(name)
      return name
    }
    const table = (s: string, name: string): string => `${pg.escapeIdentifier(s)}.${name}`
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()))
      await Promise.all(schemas.splice(0).map(dropSchema))
    })

    it('records its migrations once when several stores start together on a fresh schema', async () => {
      const s = schema()
      const stores = Array.from({ length: 5 }, () => open({ schema: s }))
      await Promise.all(stores.map((store) => store.ready()))
      await Promise.all(stores.map((store, i) => store.append(`s-${i}`, [{ type: 'A', data: {} }])))
      const { rows } = await admin!.query<{ version: number; name: string }>(
        `SELECT version, name FROM ${table(s, 'acta_migrations')} ORDER BY version`,
      )
      expect(rows.map((r) => r.version)).toEqual([1, 2, 3])
      // a restart finds the schema current and changes nothing
      const again = open({ schema: s })
      await again.ready()
      expect((await again.readStream('s-3')).version).toBe(1)
      const after = await admin!.query(`SELECT version FROM ${table(s, 'acta_migrations')}`)
      expect(after.rows).toHaveLength(3)
    })

    it('migrates a schema 1 database: versions from its events, deleted streams stay deleted until appended to', async () => {
      // Given: tables and rows as schema 1 wrote them (a stream counter in acta_streams)
      const s = schema()
      const q = pg.escapeIdentifier(s)
      await admin!.query(`
        CREATE SCHEMA ${q};
        CREATE TABLE ${q}.acta_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
        INSERT INTO ${q}.acta_migrations (version, name) VALUES (1, 'streams, events, snapshots');
        CREATE TABLE ${q}.acta_streams (stream_id text PRIMARY KEY, version bigint NOT NULL DEFAULT 0,
          deleted boolean NOT NULL DEFAULT false, truncate_before bigint, metadata jsonb NOT NULL DEFAULT '{}');
        CREATE TABLE ${q}.acta_events (global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(), stream_id text NOT NULL, stream_version bigint NOT NULL,
          event_id uuid NOT NULL UNIQUE, type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
          recorded_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream_id, stream_version));
        CREATE INDEX acta_events_log_order ON ${q}.acta_events (tx_id, global_position);
        CREATE TABLE ${q}.acta_snapshots (stream_id text NOT NULL, version bigint NOT NULL, schema_version integer NOT NULL,
          state jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (stream_id, version));
        INSERT INTO ${q}.acta_streams (stream_id, version, deleted, truncate_before, metadata) VALUES
          ('kept', 2, false, NULL, '{}'), ('gone', 3, true, 4, '{"owner":"a"}'), ('empty', 0, false, 2, '{"owner":"b"}');
        INSERT INTO ${q}.acta_events (stream_id, stream_version, event_id, type, data, metadata)
          SELECT stream_id, v, gen_random_uuid(), 'E', '{}', '{"schemaVersion":1,"correlationId":"old-flow"}'
          FROM (VALUES ('kept', 2), ('gone', 3)) AS s(stream_id, n), generate_series(1, n) AS v;`)

      // When: the store starts on it
      const store = open({ schema: s })
      await store.ready()

      // Then: every stream keeps its version and state, and appends number on
      expect(await store.streamInfo('kept')).toMatchObject({ version: 2, exists: true, deleted: false })
      expect(await store.streamInfo('gone')).toMatchObject({
        version: 3,
        exists: false,
        deleted: true,
        truncateBefore: 4,
        metadata: { owner: 'a' },
      })
      expect(await store.streamInfo('empty')).toMatchObject({
        version: 0,
        exists: false,
        deleted: false,
        truncateBefore: 2,
        metadata: { owner: 'b' },
      })
      // and the events written before the correlation index are found through it
      expect(
        (await store.readByCorrelation('old-flow')).map((e) => `${e.streamId}@${e.streamVersion}`),
      ).toEqual(['kept@1', 'kept@2', 'gone@1', 'gone@2', 'gone@3'])
      expect((await store.append('kept', [{ type: 'E', data: {} }], { expectedVersion: 2 })).version).toBe(3)
      await expectActaError(
        store.append('gone', [{ type: 'E', data: {} }], { expectedVersion: 'stream-exists' }),
        'CONCURRENCY',
      )
      expect(
        (await store.append('gone', [{ type: 'E', data: {} }], { expectedVersion: 'no-stream' })).version,
      ).toBe(4)
      expect((await store.readStream('gone')).events.map((e) => e.streamVersion)).toEqual([4])
      expect(await store.streamInfo('gone')).toMatchObject({ version: 4, exists: true, deleted: false })
      const { rows } = await admin!.query<{ version: number }>(
        `SELECT version FROM ${q}.acta_migrations ORDER BY version`,
      )
      expect(rows.map((r) => r.version)).toEqual([1, 2, 3])
    })

    it('settles appends that race on one stream under its lock, whatever their expectations', async () => {
      // one-statement appends (exact, any, no-stream) race deciding ones (stream-exists, and every
      // loser of a race); deletes interleave. Versions stay dense and every success is readable.
      const s = schema()
      const store = open({ schema: s })
      await store.append('hot', [{ type: 'Start', data: {} }])
      const outcomes = await Promise.allSettled(
        Array.from({ length: 60 }, async (_, i) => {
          const expectedVersion =
            i % 4 === 0
              ? 'stream-exists'
              : i % 4 === 1
                ? 'any'
                : i % 4 === 2
                  ? 'no-stream'
                  : (await store.streamInfo('hot')).version
          if (i % 15 === 14) {
            await store.deleteStream('hot')
            return 'deleted'
          }
          const events = Array.from({ length: 1 + (i % 3) }, () => ({ type: 'E', data: { i } }))
          return store.append('hot', events, { expectedVersion })
        }),
      )
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect(isActaError(outcome.reason, 'CONCURRENCY')).toBe(true)
      }
      const appended = outcomes.flatMap((o) =>
        o.status === 'fulfilled' && typeof o.value !== 'string' ? o.value.events : [],
      )
      const { rows } = await admin!.query<{ stream_version: string }>(
        `SELECT stream_version FROM ${table(s, 'acta_events')} WHERE stream_id = 'hot' ORDER BY stream_version`,
      )
      expect(rows.map((r) => Number(r.stream_version))).toEqual(
        Array.from({ length: appended.length + 1 }, (_, i) => i + 1),
      )
      const info = await store.streamInfo('hot')
      expect(info.version).toBe(appended.length + 1)
    })

    it('wakes a subscriber through NOTIFY long before its poll interval', async () => {
      const s = schema()
      const reader = open({ schema: s, pollIntervalMs: 60_000 })
      const writer = open({ schema: s, listen: false })
      await writer.append('warm-up', [{ type: 'W', data: {} }])
      const seen: { event: StoredEvent; at: number }[] = []
      const subscription = reader.subscribe()
      const consuming = (async () => {
        for await (const event of subscription) seen.push({ event, at: Date.now() })
      })()
      await eventually(() => seen.length === 1, 10_000, 'the warm-up event')
      await eventually(() => isListening(s), 10_000, 'the LISTEN connection')
      await sleep(100)
      const sent = Date.now()
      const result = await writer.append('live', [{ type: 'L', data: {} }])
      await eventually(() => seen.length === 2, 1000, 'the live event (NOTIFY)')
      expect(seen[1]!.event.eventId).toBe(result.events[0]!.eventId)
      expect(seen[1]!.at - sent).toBeLessThan(1000)
      await subscription.close()
      await consuming
    })

    it('keeps delivering when the LISTEN connection drops, and listens again after reconnecting', async () => {
      const s = schema()
      const reader = open({ schema: s, pollIntervalMs: 60_000 })
      const writer = open({ schema: s, listen: false })
      const seen: StoredEvent[] = []
      const subscription = reader.subscribe()
      const consuming = (async () => {
        for await (const event of subscription) seen.push(event)
      })()
      await eventually(() => isListening(s), 10_000, 'the LISTEN connection')
      await admin!.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1`, [
        listenQuery(s),
      ])
      await writer.append('while-down', [{ type: 'D', data: {} }])
      await eventually(() => seen.length === 1, 5000, 'the event appended while LISTEN was down')
      await eventually(() => isListening(s), 10_000, 'the LISTEN connection again')
      await sleep(1200) // past the fallback poll, so only a NOTIFY can deliver the next one quickly
      const sent = Date.now()
      await writer.append('after', [{ type: 'A', data: {} }])
      await eventually(() => seen.length === 2, 900, 'the event after reconnecting (NOTIFY)')
      expect(Date.now() - sent).toBeLessThan(900)
      await subscription.close()
      await consuming
    })

    it('does not deliver a later-committed position before an earlier open transaction commits', async () => {
      // Given: transaction A takes a position and stays open; B takes a later position and commits
      const s = schema()
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      let entered!: () => void
      const aHolds = new Promise<void>((resolve) => (entered = resolve))
      const slow = open({
        schema: s,
        beforeCommit: async () => {
          entered()
          await gate
        },
      })
      const fast = open({ schema: s })
      const reader = open({ schema: s })
      const first = await fast.append('before', [{ type: 'E0', data: {} }])
      const seen: StoredEvent[] = []
      const subscription = reader.subscribe()
      const consuming = (async () => {
        for await (const event of subscription) seen.push(event)
      })()
      await eventually(() => seen.length === 1, 10_000, 'the first event')
      const a = slow.append('a', [{ type: 'A', data: {} }])
      await aHolds
      const b = await fast.append('b', [{ type: 'B', data: {} }])

      // Then: B is committed but not delivered, not in readAll and not the head, while A is open
      await sleep(500)
      expect(seen.map((e) => e.type)).toEqual(['E0'])
      expect((await collect(reader.readAll())).map((e) => e.type)).toEqual(['E0'])
      expect(await reader.headPosition()).toBe(first.position)
      expect((await reader.readStream('b')).version).toBe(1) // stream reads are not held back

      // When: A commits, both arrive exactly once, A first (it took the earlier position)
      release()
      const aResult = await a
      expect(aResult.position).toBeLessThan(b.position)
      await eventually(() => seen.length === 3, 10_000, 'A and B')
      await sleep(200)
      expect(seen.map((e) => e.type)).toEqual(['E0', 'A', 'B'])
      expect(await reader.headPosition()).toBe(b.position)
      await subscription.close()
      await consuming
    })

    it('re-reads soon after an older unrelated transaction ends, with no NOTIFY to wake it', async () => {
      // Given: an unrelated transaction holds a transaction id; an event commits after it started
      const s = schema()
      const reader = open({ schema: s, pollIntervalMs: 60_000 })
      const writer = open({ schema: s, listen: false })
      await writer.ready()
      const seen: StoredEvent[] = []
      const subscription = reader.subscribe()
      const consuming = (async () => {
        for await (const event of subscription) seen.push(event)
      })()
      await eventually(() => isListening(s), 10_000, 'the LISTEN connection')
      const other = await admin!.connect()
      try {
        await other.query('BEGIN')
        await other.query('SELECT pg_current_xact_id()')
        await writer.append('held', [{ type: 'Held', data: {} }])
        await sleep(300)
        expect(seen).toEqual([]) // the NOTIFY came, but the event is held back

        // When: the unrelated transaction ends (nobody sends a NOTIFY)
        await other.query('COMMIT')
        const ended = Date.now()

        // Then: the subscriber delivers it long before its poll interval
        await eventually(() => seen.length === 1, 3000, 'the held-back event')
        expect(Date.now() - ended).toBeLessThan(3000)
      } finally {
        await other.query('ROLLBACK').catch(() => undefined)
        other.release()
        await subscription.close()
        await consuming
      }
    })

    it('orders the log by transaction, so a higher position can come first, and resumes after either', async () => {
      // Given: transaction T1 starts writing (its xid is older), T2 appends and commits, then T1
      // inserts its event with a higher position and commits
      const s = schema()
      const store = open({ schema: s })
      await store.ready()
      const t1 = await admin!.connect()
      try {
        await t1.query('BEGIN')
        await t1.query('SELECT pg_current_xact_id()')
        const t2 = await store.append('t2', [{ type: 'T2', data: {} }])
        expect(await store.headPosition()).toBe(0)
        await t1.query(
          `INSERT INTO ${table(s, 'acta_events')} (stream_id, stream_version, event_id, type, data, metadata)
           VALUES ('t1', 1, gen_random_uuid(), 'T1', '{}', '{"schemaVersion":1}')`,
        )
        await t1.query('COMMIT')

        // Then: the log is T1 then T2, positions descending; the head is T2's; checkpoints resume exactly
        const log = await collect(store.readAll())
        expect(log.map((e) => e.type)).toEqual(['T1', 'T2'])
        expect(log[0]!.globalPosition).toBeGreaterThan(t2.position)
        expect(await store.headPosition()).toBe(t2.position)
        expect((await collect(store.readAll({ after: log[0]!.globalPosition }))).map((e) => e.type)).toEqual([
          'T2',
        ])
        expect(await collect(store.readAll({ after: t2.position }))).toEqual([])
        const resumed: StoredEvent[] = []
        const controller = new AbortController()
        for await (const event of store.subscribe({
          after: log[0]!.globalPosition,
          signal: controller.signal,
          onCaughtUp: () => controller.abort(),
        })) {
          resumed.push(event)
        }
        expect(resumed.map((e) => e.type)).toEqual(['T2'])
      } finally {
        await t1.query('ROLLBACK').catch(() => undefined)
        t1.release()
      }
    })

    it('translates driver errors into ActaErrors and keeps the original as cause', async () => {
      const unreachable = postgresEventStore({
        connectionString: 'postgres://postgres@127.0.0.1:1/test',
        schema: 'x',
      })
      const down = await expectActaError(unreachable.append('s', [{ type: 'A', data: {} }]), 'UNAVAILABLE')
      expect((down.cause as { code?: string }).code).toBe('ECONNREFUSED')
      await unreachable.close()

      const s = schema()
      const store = open({ schema: s })
      // a lone surrogate is valid for JSON.stringify but not for PostgreSQL's jsonb
      const invalid = await expectActaError(
        store.append('s', [{ type: 'A', data: { t: '\ud800' } }]),
        'VALIDATION',
      )
      expect((invalid.cause as { code?: string }).code).toMatch(/^22P0[25]$/)
      expect(await store.headPosition()).toBe(0)

      await admin!.query(`DROP TABLE ${table(s, 'acta_snapshots')}`)
      const broken = await expectActaError(store.loadSnapshot('s'), 'INTERNAL')
      expect((broken.cause as { code?: string }).code).toBe('42P01')

      const pool = new pg.Pool({ connectionString: url })
      const onEnded = postgresEventStore({ pool, schema: s })
      await pool.end()
      await expectActaError(onEnded.headPosition(), 'UNAVAILABLE')
      await onEnded.close()
    })

    it('runs on a pool the caller owns and leaves it open on close', async () => {
      const s = schema()
      const pool = new pg.Pool({ connectionString: url, max: 3 })
      const asPort: PostgresPool = pool
      try {
        const store = postgresEventStore({ pool: asPort, schema: s, pollIntervalMs: 60_000 })
        const seen: StoredEvent[] = []
        const subscription = store.subscribe()
        const consuming = (async () => {
          for await (const event of subscription) seen.push(event)
        })()
        await eventually(() => isListening(s), 10_000, 'LISTEN with the pool settings')
        await store.append('s', [{ type: 'A', data: {} }])
        await eventually(() => seen.length === 1, 1000, 'the event')
        await subscription.close()
        await consuming
        await store.close()
        expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1)
        await expectActaError(store.headPosition(), 'UNAVAILABLE')
      } finally {
        await pool.end()
        await dropSchema(s)
      }
    })
  })
})

const listenQuery = (schema: string): string => `LISTEN ${pg.escapeIdentifier(`acta:${schema}`)}`

async function isListening(schema: string): Promise<boolean> {
  const { rows } = await admin!.query(`SELECT 1 FROM pg_stat_activity WHERE query = $1 AND state = 'idle'`, [
    listenQuery(schema),
  ])
  return rows.length > 0
}
