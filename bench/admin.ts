/**
 * The management API (@acta/dashboard's adminService) over a log of 100,000 events, each figure
 * next to a raw baseline in the same run:
 *
 *   npm run bench:admin
 *   ACTA_BENCH_SCALE=0.1 npm run bench:admin        # a quick run (10,000 events, 50 live events)
 *
 * The admin service runs in this process (startService, SQLite in a temporary directory, no app);
 * the log is appended through its own store. Measured, each the median of three rounds:
 * - the whole log paged through GET /_acta/api/log?limit=500, against store.readAll in the same
 *   process and a raw better-sqlite3 keyset SELECT of the same rows (pages of 500, JSON parsed);
 * - the whole log paged with category=rare (1% of the events);
 * - a 1,000-event stream through GET /_acta/api/streams/:id (two pages of 500, the API's largest),
 *   against store.readStream;
 * - append -> live websocket frame at a steady 200 events/s, against a bare store.subscribe;
 * - one correlation's flow (each round of 100 events is one correlation: its first and its last
 *   event) through GET /_acta/api/flows/:id and store.readByCorrelation, both on the store's
 *   correlation index, against a raw better-sqlite3 SELECT on that index and the scan of the whole
 *   log through store.readAll that the flow route did before the index.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir, cpus } from 'node:os'
import { join } from 'node:path'
import type { EventStore, NewEvent } from '@acta/core'
import { adminService } from '@acta/dashboard'
import { startService } from '@acta/service'
import Database from 'better-sqlite3'
import { liveLatency } from './admin/live-feed.js'
import { count, markdownTable, ms, ratio } from './markdown-table.js'

const scale = Number(process.env.ACTA_BENCH_SCALE ?? 1)
const total = Math.max(10_000, Math.round(Number(process.env.ACTA_BENCH_EVENTS ?? 100_000) * scale))
const rate = Number(process.env.ACTA_BENCH_RATE ?? 200)
const liveCount = Math.max(50, Math.round(500 * scale))
const rounds = 3
const progress = (line: string) => process.stderr.write(`${line}\n`)
const token = 'bench-admin-token-of-this-run'
const headers = { authorization: `Bearer ${token}` }
const ledger = 'ledger-1'
const ledgerLength = 1000

/** 99 `item` events then 1 `rare` event, over and over, and one 1,000-event stream at the end. */
async function seed(store: EventStore): Promise<void> {
  const started = performance.now()
  const data = (n: number) => ({ item: n % 1000, n, note: 'x'.repeat(40) })
  const rounds = Math.floor((total - ledgerLength) / 100)
  for (let round = 0; round < rounds; round++) {
    const flow = { correlationId: flowId(round) }
    const items: NewEvent[] = Array.from({ length: 99 }, (_, i) => ({
      type: 'ItemCounted',
      data: data(round * 100 + i),
      ...(i === 0 ? { metadata: flow } : {}),
    }))
    await store.append(`item-${round % 1000}`, items)
    await store.append(`rare-${round % 10}`, [
      { type: 'RareThingHappened', data: data(round), metadata: flow },
    ])
    if (round % Math.ceil(rounds / 10) === 0) progress(`  seeding ${count(round * 100)} / ${count(total)}`)
  }
  for (let from = 0; from < ledgerLength; from += 500)
    await store.append(
      ledger,
      Array.from({ length: 500 }, (_, i) => ({ type: 'Booked', data: data(from + i) })),
    )
  progress(
    `  seeded ${count(await store.headPosition())} events in ${Math.round(performance.now() - started)} ms`,
  )
}

const flowId = (round: number) => `flow-${round}`

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers })
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

/** Pages the log through the API; returns the events returned and the events scanned. */
async function pageLog(url: string, query: string): Promise<{ events: number; scanned: number }> {
  let after = 0
  let events = 0
  let scanned = 0
  for (;;) {
    const page = await getJson<{ events: unknown[]; next: number | null; scanned: number }>(
      `${url}/_acta/api/log?after=${after}&limit=500${query}`,
    )
    events += page.events.length
    scanned += page.scanned
    if (page.next === null) return { events, scanned }
    after = page.next
  }
}

/** A prepared SELECT of acta_events rows as arrays (as the store reads them) `WHERE <condition>`. */
function rawEvents(db: Database.Database, condition: string) {
  return db
    .prepare(
      'SELECT global_position, stream_id, stream_version, event_id, type, data, metadata, recorded_at ' +
        `FROM acta_events WHERE ${condition}`,
    )
    .raw(true)
}

/**
 * The floor: keyset pages of 500 straight from the events table, rows as arrays (as the store reads
 * them), data and metadata parsed; one connection and one prepared statement for every round.
 */
function rawSelect(path: string): { read(): number; close(): void } {
  const db = new Database(path, { readonly: true })
  const select = rawEvents(db, 'global_position > ? ORDER BY global_position LIMIT 500')
  return {
    read() {
      let after = 0
      let read = 0
      for (;;) {
        const page = select.all(after) as [number, string, number, string, string, string, string, number][]
        for (const row of page) {
          JSON.parse(row[5])
          JSON.parse(row[6])
        }
        read += page.length
        if (page.length < 500) return read
        after = page.at(-1)![0]
      }
    },
    close: () => db.close(),
  }
}

/** Runs each contender `rounds` times in rotating order; the median time of each, in ms. */
async function medians(contenders: Record<string, () => Promise<unknown>>): Promise<Record<string, number>> {
  const names = Object.keys(contenders)
  const times = new Map(names.map((name) => [name, [] as number[]]))
  for (let round = 0; round < rounds; round++)
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]!
      const started = performance.now()
      await contenders[name]!()
      times.get(name)!.push(performance.now() - started)
    }
  return Object.fromEntries(
    names.map((name) => [name, times.get(name)!.sort((a, b) => a - b)[Math.floor(rounds / 2)]!]),
  )
}

const loadBefore = loadavg()[0] ?? 0
progress(`load average before the run: ${loadBefore.toFixed(2)}`)
const dir = mkdtempSync(join(tmpdir(), 'acta-admin-bench-'))
const database = join(dir, 'acta.db')
const running = await startService(adminService({ token, app: false }), {
  config: {
    port: 0,
    databaseUrl: `sqlite:${database}`,
    transportUrl: `sqlite:${join(dir, 'transport.db')}`,
    logLevel: 'warn',
  },
})
try {
  const { store } = running.context
  const url = running.url
  progress(`seeding ${count(total)} events through the admin service's store`)
  await seed(store)
  const head = await store.headPosition()
  const checks = { api: await pageLog(url, ''), rare: await pageLog(url, '&category=rare') }
  if (checks.api.events !== head) throw new Error(`the API paged ${checks.api.events} of ${head} events`)
  progress(`paging the log, ${rounds} rounds (rare events: ${count(checks.rare.events)})`)
  const raw = rawSelect(database)
  const log = await medians({
    raw: async () => raw.read(),
    readAll: async () => {
      for await (const event of store.readAll({ batchSize: 500 })) if (!event) break
    },
    api: () => pageLog(url, ''),
    filtered: () => pageLog(url, '&category=rare'),
  })
  raw.close()
  progress(`reading ${ledger} (${ledgerLength} events), 20 times each`)
  const stream = await medians({
    readStream: async () => {
      for (let i = 0; i < 20; i++) await store.readStream(ledger)
    },
    api: async () => {
      for (let i = 0; i < 20; i++) {
        const first = await getJson<{ next: number | null }>(`${url}/_acta/api/streams/${ledger}?limit=500`)
        await getJson(`${url}/_acta/api/streams/${ledger}?from=${first.next}&limit=500`)
      }
    },
  })
  const flowRound = Math.floor((total - ledgerLength) / 200)
  const correlation = flowId(flowRound)
  progress(`looking up the flow ${correlation}, 20 times each`)
  const rawFlow = new Database(database, { readonly: true })
  const byCorrelation = rawEvents(
    rawFlow,
    "json_extract(metadata, '$.correlationId') = ? ORDER BY global_position LIMIT 1000",
  )
  const flowSizes = {
    raw: byCorrelation.all(correlation).length,
    store: (await store.readByCorrelation(correlation)).length,
    api: (await getJson<{ events: unknown[] }>(`${url}/_acta/api/flows/${correlation}`)).events.length,
  }
  if (flowSizes.raw !== 2 || flowSizes.store !== 2 || flowSizes.api !== 2)
    throw new Error(`the flow ${correlation} should have 2 events: ${JSON.stringify(flowSizes)}`)
  const flows = await medians({
    raw: async () => {
      for (let i = 0; i < 20; i++)
        for (const row of byCorrelation.all(correlation) as string[][]) {
          JSON.parse(row[5]!)
          JSON.parse(row[6]!)
        }
    },
    store: async () => {
      for (let i = 0; i < 20; i++) await store.readByCorrelation(correlation)
    },
    api: async () => {
      for (let i = 0; i < 20; i++) await getJson(`${url}/_acta/api/flows/${correlation}`)
    },
    scan: async () => {
      const found = []
      for await (const event of store.readAll({ batchSize: 1000 }))
        if (event.metadata.correlationId === correlation) found.push(event)
      if (found.length !== 2) throw new Error(`the scan found ${found.length} events`)
    },
  })
  rawFlow.close()
  progress(`live feed: ${liveCount} events at ${rate}/s`)
  const live = await liveLatency(store, url, token, rate, liveCount)
  const perSecond = (events: number, time: number) => count((events * 1000) / time)
  const out = [
    `\n${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}; load average ${loadBefore.toFixed(2)} before the run; ` +
      `SQLite; ${count(head)} events (1% in category rare); medians of ${rounds} rounds`,
    `\nthe whole log, pages of 500 (ratio: to the raw SELECT)\n`,
    markdownTable(
      ['reader', 'events', 'time', 'events/s', 'ratio'],
      [
        [
          'raw better-sqlite3 SELECT (keyset, JSON parsed)',
          count(head),
          ms(log.raw!),
          perSecond(head, log.raw!),
          '1.00',
        ],
        [
          'store.readAll (same process)',
          count(head),
          ms(log.readAll!),
          perSecond(head, log.readAll!),
          ratio(log.raw! / log.readAll!),
        ],
        [
          'GET /_acta/api/log?limit=500',
          count(head),
          ms(log.api!),
          perSecond(head, log.api!),
          ratio(log.raw! / log.api!),
        ],
        [
          `GET /_acta/api/log?category=rare (${count(checks.rare.events)} found)`,
          `${count(checks.rare.scanned)} scanned`,
          ms(log.filtered!),
          `${perSecond(checks.rare.scanned, log.filtered!)} scanned`,
          ratio(log.raw! / log.filtered!),
        ],
      ],
    ),
    `\na ${count(ledgerLength)}-event stream, whole (the API: two pages of 500)\n`,
    markdownTable(
      ['reader', 'time per read', 'time / readStream time'],
      [
        ['store.readStream', ms(stream.readStream! / 20), '1.00'],
        ['GET /_acta/api/streams/:id', ms(stream.api! / 20), ratio(stream.api! / stream.readStream!)],
      ],
    ),
    `\none correlation's flow (2 events) among ${count(head)} (ratio: to the raw SELECT)\n`,
    markdownTable(
      ['reader', 'time per lookup', 'ratio'],
      [
        ['raw better-sqlite3 SELECT on the correlation index (JSON parsed)', ms(flows.raw! / 20), '1.00'],
        ['store.readByCorrelation', ms(flows.store! / 20), ratio(flows.raw! / flows.store!)],
        ['GET /_acta/api/flows/:id', ms(flows.api! / 20), ratio(flows.raw! / flows.api!)],
        [
          'scan of the whole log through store.readAll (the route before the index)',
          ms(flows.scan!),
          ratio(flows.raw! / 20 / flows.scan!),
        ],
      ],
    ),
    `\nappend -> received, ${count(live.sent)} events at ${live.rate}/s\n`,
    markdownTable(
      ['follower', 'received', 'p50', 'p99', 'max'],
      (
        [
          ['store.subscribe (same process)', live.subscriber],
          ['websocket /_acta/api/live', live.websocket],
        ] as const
      ).map(([name, s]) => [name, count(s.count), ms(s.p50), ms(s.p99), ms(s.max)]),
    ),
  ]
  process.stdout.write(`${out.join('\n')}\n`)
} finally {
  await running.stop()
  rmSync(dir, { recursive: true, force: true })
}
