/**
 * Projection rebuild throughput and steady-state lag, next to a raw read of the same log in the
 * same run (better-sqlite3 / node-postgres reading the events table directly).
 *
 *   npm run bench:projections                         # SQLite, then PostgreSQL
 *   ACTA_BENCH_ONLY=sqlite npm run bench:projections
 *   ACTA_BENCH_EVENTS=200000 ACTA_BENCH_RATE=2000 npm run bench:projections
 *
 * Rebuild = a fresh read side from position 0 to the head: a no-op handler, then a handler that
 * upserts one document per event (1,000 distinct documents), one transaction per batch.
 * Lag = wall-clock time from the append call to the commit of the batch holding the event,
 * while an appender writes at a steady rate.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createReadSide,
  defineProjection,
  memoryCoordination,
  type DocumentStore,
  type EventStore,
  type NewEvent,
} from '@acta/core'
import { postgresDocumentStore, postgresEventStore } from '@acta/postgres'
import { sqliteDocumentStore, sqliteEventStore } from '@acta/sqlite'
import Database from 'better-sqlite3'
import pg from 'pg'

const total = Number(process.env.ACTA_BENCH_EVENTS ?? 100_000)
const rate = Number(process.env.ACTA_BENCH_RATE ?? 1000)
const lagSeconds = Number(process.env.ACTA_BENCH_SECONDS ?? 10)
const batchSize = Number(process.env.ACTA_BENCH_BATCH ?? 1000)
/** Rebuilds also run with this larger batch, to show what the batch size buys. */
const largeBatch = Number(process.env.ACTA_BENCH_LARGE_BATCH ?? 5000)
const only = process.env.ACTA_BENCH_ONLY
const postgresUrl = process.env.ACTA_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const wall = () => performance.timeOrigin + performance.now()
const progress = (line: string) => process.stderr.write(`${line}\n`)

interface Setup {
  name: string
  store: EventStore
  documents: () => DocumentStore
  /** Reads every event with the raw driver, parsing data and metadata; returns the count. */
  rawRead: () => Promise<number>
  close: () => Promise<void>
}

interface Row {
  setup: string
  measure: string
  figure: string
  ratio: string
}

const rows: Row[] = []
const perSecond = (events: number, ms: number) => Math.round((events * 1000) / ms)

async function seed(store: EventStore) {
  const started = wall()
  const chunk = 500
  for (let written = 0; written < total; written += chunk) {
    const events: NewEvent[] = []
    for (let i = 0; i < chunk; i++) {
      events.push({
        type: 'ItemCounted',
        data: { item: (written + i) % 1000, n: written + i, note: 'x'.repeat(40) },
      })
    }
    await store.append(`batch-${written / chunk}`, events)
    if ((written / chunk) % 40 === 0)
      progress(`  seeding ${written.toLocaleString()} / ${total.toLocaleString()}`)
  }
  progress(`  seeded ${total.toLocaleString()} events in ${Math.round(wall() - started)} ms`)
}

async function timeRebuild(setup: Setup, kind: 'no-op' | 'upsert', batch: number): Promise<number> {
  const documents = setup.documents()
  const readSide = createReadSide({
    store: setup.store,
    documents,
    leases: memoryCoordination().leases,
    batchSize: batch,
    onProgress: (p) =>
      progress(
        `  ${kind} rebuild ${(p.fraction * 100).toFixed(0)}% ${Math.round(p.eventsPerSecond).toLocaleString()} ev/s, eta ${
          p.etaMs === undefined ? '?' : Math.round(p.etaMs / 1000)
        } s`,
      ),
  })
  const name = `${kind === 'no-op' ? 'noop' : 'upsert'}_${batch}`
  readSide.register(
    defineProjection({
      name,
      version: 1,
      collections: { [`${name}_items`]: {} },
      handlers: {
        '*':
          kind === 'no-op'
            ? () => undefined
            : async (event, context) => {
                const data = event.data as { item: number; n: number }
                await context.collection(`${name}_items`).put(String(data.item), {
                  item: data.item,
                  last: data.n,
                  position: event.globalPosition,
                })
              },
      },
    }),
  )
  const head = await setup.store.headPosition()
  const started = wall()
  await readSide.start()
  const done = await readSide.waitFor(name, head, 600_000)
  const elapsed = wall() - started
  await readSide.stop()
  await documents.close()
  if (!done) throw new Error(`${kind} rebuild did not reach the head`)
  return elapsed
}

async function measureLag(setup: Setup): Promise<{ p50: number; p99: number; max: number; count: number }> {
  const documents = setup.documents()
  const appendedAt = new Map<string, number>()
  const handled: string[] = []
  const lags: number[] = []
  const readSide = createReadSide({
    store: setup.store,
    documents,
    leases: memoryCoordination().leases,
    batchSize,
  })
  readSide.register(
    defineProjection({
      name: 'lag',
      version: 1,
      collections: { lag_items: {} },
      handlers: {
        Ping: async (event, context) => {
          await context.collection('lag_items').put('last', { position: event.globalPosition })
          handled.push(event.eventId)
        },
      },
      afterCommit: async () => {
        const now = wall()
        for (const id of handled.splice(0)) {
          const at = appendedAt.get(id)
          if (at !== undefined) lags.push(now - at)
        }
      },
    }),
  )
  await readSide.start()
  await readSide.waitFor('lag', await setup.store.headPosition(), 600_000)
  const count = rate * lagSeconds
  const started = wall()
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate
    const wait = due - wall()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    const eventId = crypto.randomUUID()
    appendedAt.set(eventId, wall())
    void setup.store.append(`ping-${i % 50}`, [{ type: 'Ping', data: { i }, eventId }])
    if (i % rate === 0) progress(`  lag: ${i.toLocaleString()} / ${count.toLocaleString()} appended`)
  }
  await readSide.waitFor('lag', await setup.store.headPosition(), 60_000)
  await new Promise((resolve) => setTimeout(resolve, 200))
  await readSide.stop()
  await documents.close()
  lags.sort((a, b) => a - b)
  const at = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? NaN
  return { p50: at(0.5), p99: at(0.99), max: lags[lags.length - 1] ?? NaN, count: lags.length }
}

async function run(setup: Setup) {
  progress(`\n${setup.name}: ${total.toLocaleString()} events, batches of ${batchSize}`)
  await seed(setup.store)
  // the better of two raw reads, so the baseline does not pay for a cold cache
  let raw = 0
  for (let round = 0; round < 2; round++) {
    const rawStarted = wall()
    const rawCount = await setup.rawRead()
    raw = Math.max(raw, perSecond(rawCount, wall() - rawStarted))
  }
  rows.push({
    setup: setup.name,
    measure: 'raw read of the log (driver)',
    figure: `${raw.toLocaleString()} ev/s`,
    ratio: '1.00',
  })
  let read = 0
  const readStarted = wall()
  for await (const event of setup.store.readAll({ batchSize })) if (event) read++
  const readRate = perSecond(read, wall() - readStarted)
  rows.push({
    setup: setup.name,
    measure: 'store.readAll',
    figure: `${readRate.toLocaleString()} ev/s`,
    ratio: (readRate / raw).toFixed(2),
  })
  for (const batch of [...new Set([batchSize, largeBatch])]) {
    for (const kind of ['no-op', 'upsert'] as const) {
      const ms = await timeRebuild(setup, kind, batch)
      const figure = perSecond(total, ms)
      rows.push({
        setup: setup.name,
        measure: `${kind} rebuild, batch ${batch}`,
        figure: `${figure.toLocaleString()} ev/s`,
        ratio: (figure / raw).toFixed(2),
      })
    }
  }
  const lag = await measureLag(setup)
  rows.push({
    setup: setup.name,
    measure: `steady lag at ${rate}/s (${lag.count} events)`,
    figure: `p50 ${lag.p50.toFixed(1)} ms, p99 ${lag.p99.toFixed(1)} ms, max ${lag.max.toFixed(1)} ms`,
    ratio: '',
  })
}

function sqliteSetup(): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'acta-bench-projections-'))
  const path = join(dir, 'acta.db')
  const store = sqliteEventStore({ path })
  return {
    name: 'SQLite',
    store,
    documents: () => sqliteDocumentStore({ path: join(dir, `documents-${crypto.randomUUID()}.db`) }),
    async rawRead() {
      const db = new Database(path, { readonly: true })
      let count = 0
      for (const row of db
        .prepare('SELECT * FROM acta_events ORDER BY global_position')
        .iterate() as Iterable<{
        data: string
        metadata: string
      }>) {
        JSON.parse(row.data)
        JSON.parse(row.metadata)
        count++
      }
      db.close()
      return count
    },
    async close() {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function postgresSetup(): Promise<Setup> {
  const schema = `bench_projections_${Date.now()}`
  const admin = new pg.Pool({ connectionString: postgresUrl, max: 2 })
  const store = postgresEventStore({ connectionString: postgresUrl, schema })
  await store.headPosition()
  return {
    name: 'PostgreSQL',
    store,
    documents: () => postgresDocumentStore({ connectionString: postgresUrl, schema }),
    async rawRead() {
      let count = 0
      let after = 0
      for (;;) {
        const { rows: page } = await admin.query<{ global_position: string }>(
          `SELECT * FROM "${schema}".acta_events WHERE global_position > $1 ORDER BY global_position LIMIT $2`,
          [after, batchSize],
        )
        count += page.length
        if (page.length < batchSize) return count
        after = Number(page[page.length - 1]!.global_position)
      }
    },
    async close() {
      await store.close()
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`)
      await admin.end()
    },
  }
}

if (only === undefined || only === 'sqlite') {
  const setup = sqliteSetup()
  try {
    await run(setup)
  } finally {
    await setup.close()
  }
}
if (only === undefined || only === 'postgres') {
  const setup = await postgresSetup()
  try {
    await run(setup)
  } finally {
    await setup.close()
  }
}

console.log(
  `\nProjections: ${total.toLocaleString()} events, batch ${batchSize}, lag at ${rate}/s for ${lagSeconds} s`,
)
console.table(rows)
console.log('ratio = figure / raw driver read of the same log in the same run')
