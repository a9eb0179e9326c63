/**
 * The local transport benchmark: `sqliteTransport` publish -> consume throughput and latency, in one
 * process and across two, next to raw better-sqlite3 doing the minimal durable work of a queue (one
 * committed INSERT per message, one committed claim-and-DELETE per message) in the same run.
 * Progress on stderr, the table on stdout, the figures in bench/results/transport-local-<timestamp>.json.
 *
 *   npx tsx --conditions=@acta/source bench/transport-local.ts
 *   ACTA_BENCH_SCALE=0.2 npx tsx --conditions=@acta/source bench/transport-local.ts
 *   ACTA_BENCH_SQLITE_SYNCHRONOUS=FULL npx tsx --conditions=@acta/source bench/transport-local.ts
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import type { Transport } from '@acta/core'
import { sqliteTransport } from '@acta/sqlite'

const scale = Number(process.env.ACTA_BENCH_SCALE ?? '1')
const synchronous = process.env.ACTA_BENCH_SQLITE_SYNCHRONOUS === 'FULL' ? 'FULL' : 'NORMAL'
const window = 256
const concurrency = 100
const size = (n: number): number => Math.max(20, Math.round(n * scale))
/** Wall-clock time in ms with sub-ms precision, comparable between processes on one machine. */
const now = (): number => performance.timeOrigin + performance.now()
const thisFile = fileURLToPath(import.meta.url)
const repoRoot = fileURLToPath(new URL('..', import.meta.url))

interface Sample {
  readonly messages: number
  readonly seconds: number
  readonly latencies: number[]
}

interface Figure {
  readonly scenario: string
  readonly contender: string
  readonly messages: number
  readonly perSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
}

/** Keeps `window` operations in flight until `count` have run. */
async function windowed(count: number, inFlight: number, op: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < count) await op(next++)
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane))
}

/** Publishes `count` events: `window` unconfirmed at a time, or one every `paceMs` when paced. */
async function publishAll(transport: Transport, topic: string, count: number, paceMs: number): Promise<void> {
  const publish = (i: number) => transport.publish(topic, { type: 'Bench', data: { i, sentAt: now() } })
  if (paceMs === 0) return windowed(count, window, publish)
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, paceMs))
    await publish(i)
  }
}

// ---- child process: the publisher of the cross-process scenarios ----

if (process.argv[2] === '--child') {
  const { path, topic, count, paceMs } = JSON.parse(process.env.ACTA_BENCH_CHILD!) as {
    path: string
    topic: string
    count: number
    paceMs: number
  }
  const transport = sqliteTransport({ path, synchronous })
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
  process.stdout.write('ready\n')
  await lines.next()
  await publishAll(transport, topic, count, paceMs)
  await transport.close()
  process.stdout.write('done\n')
  process.exit(0)
}

// ---- the benchmark ----

const began = performance.now()
const progress = (line: string): void => {
  process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s] ${line}\n`)
}
const dir = mkdtempSync(join(tmpdir(), 'acta-bench-transport-'))
let run = 0
const freshPath = (): string => join(dir, `transport-${++run}.db`)

/** A group subscriber collecting latencies until `count` arrived; `start` triggers the publishing. */
async function consumeAll(
  consumer: Transport,
  topic: string,
  count: number,
  start: () => Promise<void>,
): Promise<Sample> {
  const latencies: number[] = []
  let resolveDone!: () => void
  const done = new Promise<void>((resolve) => (resolveDone = resolve))
  const subscription = await consumer.subscribe(
    [topic],
    (m) => {
      latencies.push(now() - (m.data as { sentAt: number }).sentAt)
      if (latencies.length === count) resolveDone()
    },
    { group: `bench-${run}`, concurrency },
  )
  const started = performance.now()
  const ticker = setInterval(() => progress(`  ${latencies.length}/${count} consumed`), 2000)
  await Promise.all([start(), done])
  clearInterval(ticker)
  const seconds = (performance.now() - started) / 1000
  await subscription.close()
  return { messages: count, seconds, latencies }
}

/** Publisher and subscriber share one transport: the subscriber is woken in process, not through the file. */
async function inProcess(count: number, pingPong = false): Promise<Sample> {
  const transport = sqliteTransport({ path: freshPath(), synchronous })
  try {
    if (!pingPong) {
      return await consumeAll(transport, 'bench.Local', count, () =>
        publishAll(transport, 'bench.Local', count, 0),
      )
    }
    // one message at a time: publish, wait for its delivery, next
    let delivered: (() => void) | undefined
    const latencies: number[] = []
    const sub = await transport.subscribe(['bench.Ping'], (m) => {
      latencies.push(now() - (m.data as { sentAt: number }).sentAt)
      delivered?.()
    })
    const started = performance.now()
    for (let i = 0; i < count; i++) {
      const arrived = new Promise<void>((resolve) => (delivered = resolve))
      await transport.publish('bench.Ping', { type: 'Ping', data: { i, sentAt: now() } })
      await arrived
    }
    const seconds = (performance.now() - started) / 1000
    await sub.close()
    return { messages: count, seconds, latencies }
  } finally {
    await transport.close()
  }
}

async function acrossProcesses(count: number, paceMs: number): Promise<Sample> {
  const path = freshPath()
  const topic = 'bench.Remote'
  const consumer = sqliteTransport({ path, synchronous })
  const child = spawn(
    process.execPath,
    ['--conditions=@acta/source', '--import', 'tsx', thisFile, '--child'],
    {
      cwd: repoRoot,
      env: { ...process.env, ACTA_BENCH_CHILD: JSON.stringify({ path, topic, count, paceMs }) },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  )
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  const output = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  try {
    if ((await output.next()).value !== 'ready') throw new Error('the publisher process did not start')
    return await consumeAll(consumer, topic, count, async () => {
      child.stdin.write('go\n')
      if ((await exited) !== 0) throw new Error('the publisher process failed')
    })
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
    await consumer.close()
  }
}

/** The minimal durable work per message with raw better-sqlite3: commit an INSERT, then commit a claim + DELETE. */
function rawBaseline(count: number): Sample {
  const db = new Database(freshPath())
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${synchronous}`)
  db.exec(`CREATE TABLE q (id INTEGER PRIMARY KEY, queue TEXT NOT NULL, available_at INTEGER NOT NULL,
           claim TEXT, headers TEXT NOT NULL, data TEXT NOT NULL) STRICT;
           CREATE INDEX q_ready ON q (queue, available_at)`)
  const insert = db.prepare('INSERT INTO q (queue, available_at, headers, data) VALUES (?, ?, ?, ?)')
  const claim = db.prepare<[number, number], { id: number; data: string }>(
    `UPDATE q SET available_at = ?, claim = 'x' WHERE id IN
         (SELECT id FROM q WHERE queue = 'raw' AND available_at <= ? ORDER BY available_at LIMIT 1)
       RETURNING id, data`,
  )
  const remove = db.prepare('DELETE FROM q WHERE id = ?')
  const enqueue = db.transaction((i: number) =>
    insert.run('raw', Date.now(), '{"type":"Bench"}', JSON.stringify({ i, sentAt: now() })),
  )
  const take = db.transaction(() => {
    const row = claim.get(Date.now() + 10_000, Date.now())!
    remove.run(row.id)
    return row
  })
  const latencies: number[] = []
  const started = performance.now()
  for (let i = 0; i < count; i++) {
    enqueue.immediate(i)
    const row = take.immediate()
    latencies.push(now() - (JSON.parse(row.data) as { sentAt: number }).sentAt)
  }
  const seconds = (performance.now() - started) / 1000
  db.close()
  return { messages: count, seconds, latencies }
}

function figure(scenario: string, contender: string, sample: Sample): Figure {
  const sorted = [...sample.latencies].sort((a, b) => a - b)
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!
  return {
    scenario,
    contender,
    messages: sample.messages,
    perSecond: sample.messages / sample.seconds,
    p50Ms: at(50),
    p99Ms: at(99),
  }
}

const scenarios: { id: string; title: string; run: (fraction: number) => Promise<Sample> }[] = [
  {
    id: 'raw',
    title: 'raw better-sqlite3: commit INSERT, commit claim + DELETE, one message at a time',
    run: async (f) => rawBaseline(Math.round(size(10_000) * f)),
  },
  {
    id: 'local-throughput',
    title: `one process, one transport: publish (${window} unconfirmed) -> group subscriber (concurrency ${concurrency})`,
    run: (f) => inProcess(Math.round(size(20_000) * f)),
  },
  {
    id: 'local-pingpong',
    title: 'one process: publish, await its delivery, next (latency without queueing)',
    run: (f) => inProcess(Math.round(size(2_000) * f), true),
  },
  {
    id: 'remote-throughput',
    title: `two processes: publisher (${window} unconfirmed) -> group subscriber (concurrency ${concurrency})`,
    run: (f) => acrossProcesses(Math.round(size(20_000) * f), 0),
  },
  {
    id: 'remote-paced',
    title: 'two processes: one publish every 2 ms -> subscriber (latency of a wake-up)',
    run: (f) => acrossProcesses(Math.round(size(1_000) * f), 2),
  },
]

progress(`local transport benchmark: synchronous=${synchronous}, scale ${scale}, files in ${dir}`)
const load = loadavg()[0]!
if (load > 1)
  progress(`note: load average ${load.toFixed(2)}; other processes compete for the ${cpus().length} cores`)
const figures: Figure[] = []
try {
  for (const scenario of scenarios) {
    progress(`${scenario.id}: warm-up`)
    await scenario.run(0.2)
    progress(`${scenario.id}: measuring — ${scenario.title}`)
    const result = figure(scenario.id, scenario.id === 'raw' ? 'raw' : 'acta', await scenario.run(1))
    figures.push(result)
    progress(
      `${scenario.id}: ${Math.round(result.perSecond)} msg/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms`,
    )
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}

const raw = figures.find((f) => f.scenario === 'raw')!
const rows = figures.map((f) => [
  f.scenario,
  String(f.messages),
  Math.round(f.perSecond).toLocaleString('en-US'),
  f.scenario === 'raw' ? '1.00' : (f.perSecond / raw.perSecond).toFixed(2),
  f.p50Ms.toFixed(2),
  f.p99Ms.toFixed(2),
])
const header = ['scenario', 'messages', 'msg/s', 'x raw', 'p50 ms', 'p99 ms']
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
const line = (cells: string[]) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
process.stdout.write(
  `\nLocal transport (sqliteTransport, synchronous=${synchronous}), latency = publish call -> handler\n`,
)
process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`)
for (const row of rows) process.stdout.write(`${line(row)}\n`)
for (const s of scenarios) process.stdout.write(`  ${s.id}: ${s.title}\n`)
process.stdout.write(
  '  (with unconfirmed publishes, latency is mostly the backlog: publishing outpaces consuming)\n',
)

const results = join(repoRoot, 'bench', 'results')
mkdirSync(results, { recursive: true })
const file = join(results, `transport-local-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
writeFileSync(
  file,
  JSON.stringify(
    { synchronous, scale, window, concurrency, loadAverage: load, cpus: cpus().length, figures },
    null,
    2,
  ),
)
progress(`wrote ${file}`)
