/**
 * What `Transport.queues()` costs (the dashboard's Queues section, `acta queues list`, the admin
 * service's queue gauges), next to a raw baseline in the same run:
 * - local transport (SQLite): `queues()` against one raw better-sqlite3 `SELECT queue, count(*)
 *   … GROUP BY queue` over the same messages table (the least a listing can read);
 * - RabbitMQ: `queues()` (queue and parked catalogs read, a passive declare per queue) against
 *   raw amqplib passive declares of the same queues on one channel (what a listing that already knew
 *   the names would cost).
 * `ACTA_BENCH_QUEUES` queues (default 20) of `ACTA_BENCH_MESSAGES` waiting messages each (default
 * 500), median of 20 listings each. Progress on stderr, the tables on stdout.
 *
 *   npm run bench:queues
 *   ACTA_BENCH_ONLY=local npm run bench:queues
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Transport } from '@acta/core'
import { rabbitmqTransport } from '@acta/rabbitmq'
import { sqliteTransport } from '@acta/sqlite'
import amqp from 'amqplib'
import Database from 'better-sqlite3'
import { count, markdownTable, ms, ratio } from './markdown-table.js'

const queueCount = Number(process.env.ACTA_BENCH_QUEUES ?? 20)
const messages = Number(process.env.ACTA_BENCH_MESSAGES ?? 500)
const only = process.env.ACTA_BENCH_ONLY
const amqpUrl = process.env.ACTA_BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const rounds = 20
const progress = (line: string) => process.stderr.write(`${line}\n`)

/** The median time of `rounds` calls, in ms, after one warm-up call. */
async function median(run: () => unknown): Promise<number> {
  await run()
  const times: number[] = []
  for (let i = 0; i < rounds; i++) {
    const started = performance.now()
    await run()
    times.push(performance.now() - started)
  }
  return times.sort((a, b) => a - b)[Math.floor(rounds / 2)]!
}

async function fill(transport: Transport, names: readonly string[]): Promise<void> {
  for (const [i, name] of names.entries()) {
    await Promise.all(
      Array.from({ length: messages }, (_, n) => transport.send(name, { type: 'Work', data: { n } })),
    )
    progress(`  ${name}: ${count(messages)} messages (${i + 1}/${names.length})`)
  }
}

function check(listed: readonly { queue: string; ready: number }[], names: readonly string[]): void {
  const mine = listed.filter((q) => names.includes(q.queue))
  if (mine.length !== names.length || mine.some((q) => q.ready !== messages))
    throw new Error(`queues() should list ${names.length} queues of ${messages}: ${JSON.stringify(mine)}`)
}

async function local(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'acta-queues-bench-'))
  const path = join(dir, 'transport.db')
  const transport = sqliteTransport({ path })
  const names = Array.from({ length: queueCount }, (_, i) => `work-${i}`)
  try {
    progress(`local transport: ${queueCount} queues of ${count(messages)} messages`)
    await fill(transport, names)
    check(await transport.queues(), names)
    const db = new Database(path, { readonly: true })
    const raw = db.prepare('SELECT queue, count(*) FROM acta_transport_messages GROUP BY queue').raw(true)
    const rawMs = await median(() => raw.all())
    const actaMs = await median(() => transport.queues())
    db.close()
    return [
      `\nlocal transport (SQLite): ${queueCount} queues, ${count(queueCount * messages)} messages waiting; median of ${rounds}\n`,
      markdownTable(
        ['listing', 'time', 'ratio'],
        [
          ['raw better-sqlite3 SELECT queue, count(*) GROUP BY queue', ms(rawMs), '1.00'],
          ['transport.queues()', ms(actaMs), ratio(rawMs / actaMs)],
        ],
      ),
    ]
  } finally {
    await transport.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function rabbitmq(): Promise<string[]> {
  const prefix = `acta-bench-queues-${randomBytes(3).toString('hex')}`
  const transport = rabbitmqTransport({ url: amqpUrl, prefix, connectionName: prefix })
  const names = Array.from({ length: queueCount }, (_, i) => `work-${i}`)
  const connection = await amqp.connect(amqpUrl)
  const channel = await connection.createChannel()
  try {
    progress(`RabbitMQ: ${queueCount} queues of ${count(messages)} messages`)
    await fill(transport, names)
    check(await transport.queues(), names)
    const rawMs = await median(async () => {
      for (const name of names) await channel.checkQueue(`${prefix}.q.${name}`)
    })
    const actaMs = await median(() => transport.queues())
    return [
      `\nRabbitMQ: ${queueCount} queues, ${count(queueCount * messages)} messages waiting; median of ${rounds}\n`,
      markdownTable(
        ['listing', 'time', 'ratio'],
        [
          ['raw amqplib passive declare of each queue (names known)', ms(rawMs), '1.00'],
          [
            'transport.queues() (two catalog reads, a passive declare per queue)',
            ms(actaMs),
            ratio(rawMs / actaMs),
          ],
        ],
      ),
    ]
  } finally {
    for (const name of [...names.map((n) => `${prefix}.q.${n}`), `${prefix}.queue-catalog`])
      await channel.deleteQueue(name).catch(() => undefined)
    await channel.deleteExchange(`${prefix}.events`).catch(() => undefined)
    await channel.deleteExchange(`${prefix}.retry`).catch(() => undefined)
    await connection.close()
    await transport.close()
  }
}

const loadBefore = loadavg()[0] ?? 0
const out = [
  `${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}; load average ${loadBefore.toFixed(2)} before the run`,
]
if (only === undefined || only === 'local') out.push(...(await local()))
if (only === undefined || only === 'rabbitmq') out.push(...(await rabbitmq()))
process.stdout.write(`${out.join('\n')}\n`)
