/**
 * Append -> remote subscriber latency through the outbox relay, at a steady rate, next to the
 * transport alone (publish -> subscriber) at the same rate in the same run.
 *
 *   npm run bench:relay                       # sqlite + local, then postgres + rabbitmq
 *   ACTA_BENCH_ONLY=local npm run bench:relay
 *   ACTA_BENCH_RATE=2000 ACTA_BENCH_SECONDS=20 npm run bench:relay
 *
 * Latency = wall-clock time the subscriber (its own transport connection) receives the event,
 * minus the time the append was called. The relay runs in this process, as one more client.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  startOutboxRelay,
  type CheckpointStore,
  type EventStore,
  type LeaseStore,
  type Transport,
} from '@acta/core'
import { postgresCoordination, postgresEventStore } from '@acta/postgres'
import { rabbitmqTransport } from '@acta/rabbitmq'
import { sqliteCoordination, sqliteEventStore, sqliteTransport } from '@acta/sqlite'
import pg from 'pg'

const rate = Number(process.env.ACTA_BENCH_RATE ?? 1000)
const seconds = Number(process.env.ACTA_BENCH_SECONDS ?? 10) * Number(process.env.ACTA_BENCH_SCALE ?? 1)
const only = process.env.ACTA_BENCH_ONLY
const postgresUrl = process.env.ACTA_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const amqpUrl = process.env.ACTA_BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const wall = () => performance.timeOrigin + performance.now()
const progress = (line: string) => process.stderr.write(`${line}\n`)

interface Setup {
  name: string
  store: EventStore
  /** The relay's and the publisher's connection. */
  transport: Transport
  /** The subscriber's own connection, as a remote service would have. */
  remote: Transport
  checkpoints: CheckpointStore
  leases: LeaseStore
  close: () => Promise<void>
}

interface Result {
  setup: string
  path: string
  rate: number
  sent: number
  received: number
  p50: number
  p95: number
  p99: number
  max: number
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN

async function paced(count: number, send: (i: number) => Promise<void>): Promise<void> {
  const start = performance.now()
  const pending: Promise<void>[] = []
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate
    const wait = due - performance.now()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    pending.push(send(i))
    if (i % rate === 0 && i > 0) progress(`  ${i}/${count} sent`)
  }
  await Promise.all(pending)
}

async function measure(setup: Setup, path: 'relay' | 'transport'): Promise<Result> {
  const count = Math.round(rate * seconds)
  const run = randomBytes(3).toString('hex')
  const latencies: number[] = []
  const topic = `lat${run}.Ping`
  const done = new Promise<void>((resolve) => {
    void setup.remote
      .subscribe([`lat${run}.#`], (message) => {
        latencies.push(wall() - (message.data as { t: number }).t)
        if (latencies.length === count) resolve()
      })
      .then(() => undefined)
  })
  await new Promise((resolve) => setTimeout(resolve, 200))
  progress(`${setup.name} ${path}: ${count} events at ${rate}/s`)
  await paced(count, async (i) => {
    const data = { i, t: wall() }
    if (path === 'relay') await setup.store.append(`lat${run}-${i % 50}`, [{ type: 'Ping', data }])
    else await setup.transport.publish(topic, { type: 'Ping', data })
  })
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 30_000))])
  const sorted = [...latencies].sort((a, b) => a - b)
  return {
    setup: setup.name,
    path,
    rate,
    sent: count,
    received: latencies.length,
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? NaN,
  }
}

async function localSetup(): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'acta-relay-bench-'))
  const path = join(dir, 'acta.db')
  const store = sqliteEventStore({ path })
  const coordination = sqliteCoordination({ path })
  const transport = sqliteTransport({ path: join(dir, 'transport.db') })
  const remote = sqliteTransport({ path: join(dir, 'transport.db') })
  return {
    name: 'sqlite + local',
    store,
    transport,
    remote,
    ...coordination,
    async close() {
      await remote.close()
      await transport.close()
      await coordination.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function brokerSetup(): Promise<Setup> {
  const schema = `acta_relay_bench_${randomBytes(4).toString('hex')}`
  const store = postgresEventStore({ connectionString: postgresUrl, schema })
  const coordination = postgresCoordination({ connectionString: postgresUrl, schema })
  const prefix = `acta-bench-${randomBytes(3).toString('hex')}`
  const transport = rabbitmqTransport({ url: amqpUrl, prefix })
  const remote = rabbitmqTransport({ url: amqpUrl, prefix })
  return {
    name: 'postgres + rabbitmq',
    store,
    transport,
    remote,
    ...coordination,
    async close() {
      await remote.close()
      await transport.close()
      await coordination.close()
      await store.close()
      const admin = new pg.Client({ connectionString: postgresUrl })
      await admin.connect()
      await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
      await admin.end()
    },
  }
}

const results: Result[] = []
for (const [key, open] of [
  ['local', localSetup],
  ['broker', brokerSetup],
] as const) {
  if (only && only !== key) continue
  const setup = await open()
  try {
    const relay = startOutboxRelay({
      ...setup,
      batchSize: 256,
      onError: (e) => progress(`relay error: ${String(e)}`),
    })
    results.push(await measure(setup, 'transport'))
    results.push(await measure(setup, 'relay'))
    await relay.stop()
  } finally {
    await setup.close()
  }
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-')
console.log(
  `\nappend -> remote subscriber at ${rate} events/s for ${seconds} s (latency in ms; baseline = the transport alone)\n`,
)
console.log(
  [
    'setup'.padEnd(20),
    'path'.padEnd(10),
    'received'.padStart(12),
    'p50'.padStart(8),
    'p95'.padStart(8),
    'p99'.padStart(8),
    'max'.padStart(8),
    'p99 vs transport'.padStart(18),
  ].join(' '),
)
for (const r of results) {
  const base = results.find((b) => b.setup === r.setup && b.path === 'transport')
  const ratio = r.path === 'relay' && base ? `+${ms(r.p99 - base.p99)} ms` : ''
  console.log(
    [
      r.setup.padEnd(20),
      r.path.padEnd(10),
      `${r.received}/${r.sent}`.padStart(12),
      ms(r.p50).padStart(8),
      ms(r.p95).padStart(8),
      ms(r.p99).padStart(8),
      ms(r.max).padStart(8),
      ratio.padStart(18),
    ].join(' '),
  )
}
await mkdir(new URL('./results/', import.meta.url), { recursive: true })
const file = new URL(
  `./results/relay-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  import.meta.url,
)
await writeFile(file, JSON.stringify({ rate, seconds, results }, null, 2))
progress(`\nwrote ${file.pathname}`)
