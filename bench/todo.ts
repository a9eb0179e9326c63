/**
 * The todo example (examples/todo) over HTTP, each figure next to a raw baseline in the same run:
 *
 *   npm run bench:todo                              # SQLite + local, then PostgreSQL + RabbitMQ
 *   ACTA_BENCH_ONLY=local npm run bench:todo        # or broker
 *   ACTA_BENCH_SCALE=0.2 npm run bench:todo         # a quick run
 *
 * The fleet (startTodoFleet: six services and the gateway, one process each) and the raw node:http
 * baseline each run in processes of their own; autocannon and the probes run here.
 * - POST /api/commands/post-todo at 10 and 50 connections, a fresh todo per request for a few
 *   registered users, against a raw server that parses the JSON body and answers 202.
 * - GET /api/todos/:id at 10 and 50 connections, against a raw server answering a fixed JSON.
 * - write -> read: post-todo's 202 until GET /api/todos/:id (no ?after) answers 200, polled every
 *   1 ms, sequentially.
 * - deadlines spread 1–3 s ahead: the deadline until the recordedAt of TodoWasMarkedAsExpired,
 *   against a bare setTimeout for the same deadlines.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { EventStore } from '@acta/core'
import { postgresEventStore, probePostgres } from '@acta/postgres'
import { probeRabbitmq } from '@acta/rabbitmq'
import { sqliteEventStore } from '@acta/sqlite'
import amqp from 'amqplib'
import pg from 'pg'
import { rawTodoServer, todoFleet, type TodoFleetInfo } from './todo/children.js'
import { load, type LoadResult } from './todo/load.js'
import { command, timerPrecision, visibility } from './todo/probes.js'
import { printTodoReport, type SetupResult, type TodoReport } from './todo/report.js'

const scale = Number(process.env.ACTA_BENCH_SCALE ?? 1)
const seconds = Math.max(1, Number(process.env.ACTA_BENCH_SECONDS ?? 10) * scale)
const samples = Math.max(20, Math.round(300 * scale))
const timers = Math.max(10, Math.round(50 * scale))
const connectionCounts = [10, 50]
const only = process.env.ACTA_BENCH_ONLY
const postgresUrl = process.env.ACTA_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const amqpUrl = process.env.ACTA_BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const progress = (line: string) => process.stderr.write(`${line}\n`)
const wanted = (part: string) => only === undefined || only.split(',').includes(part)
const run = randomBytes(4).toString('hex')

async function measure(
  setup: string,
  env: Record<string, string>,
  openStore: () => EventStore,
): Promise<SetupResult> {
  progress(`\n${setup}: starting the raw server and the todo fleet`)
  const raw = await rawTodoServer()
  const fleet = await todoFleet(env).catch(async (error: unknown) => {
    await raw.stop()
    throw error
  })
  const store = openStore()
  try {
    return await measureFleet(setup, raw.info, fleet.info, store)
  } finally {
    await store.close()
    await fleet.stop()
    await raw.stop()
  }
}

async function measureFleet(
  setup: string,
  raw: { url: string; pid: number },
  fleet: TodoFleetInfo,
  store: EventStore,
): Promise<SetupResult> {
  const base = fleet.url
  const users = Array.from({ length: 5 }, (_, i) => `bench-${run}-user-${i}`)
  for (const user of users)
    await command(base, 'register-user', { user_id: user, name: user, email: `${user}@example.com` })
  const target = `bench-${run}-todo`
  const posted = await command(base, 'post-todo', {
    assignee_id: users[0],
    todo_id: target,
    text: 'a todo to read',
  })
  // the GET runs read a todo the read side already has
  await (await fetch(`${base}/api/todos/${target}?after=${posted.position}`)).arrayBuffer()
  let next = 0
  const body = () =>
    JSON.stringify({
      assignee_id: users[next % users.length],
      todo_id: `${run}-${next++}`,
      text: 'a todo of about the usual length',
    })
  const fleetProcesses = {
    gateway: fleet.pid,
    ...Object.fromEntries(fleet.services.map((service) => [service.name, service.pid])),
  }
  const pair = async (kind: 'POST' | 'GET', connections: number, duration: number) => {
    const path = kind === 'POST' ? '/api/commands/post-todo' : `/api/todos/${target}`
    const post = kind === 'POST' ? { body } : {}
    const rawResult = await load({
      target: 'raw node:http',
      url: `${raw.url}${path}`,
      connections,
      seconds: duration,
      processes: { server: raw.pid },
      ...post,
    })
    const gateway = await load({
      target: 'gateway + todo services',
      url: `${base}${path}`,
      connections,
      seconds: duration,
      processes: fleetProcesses,
      ...post,
    })
    return { raw: rawResult, gateway }
  }
  const busiest = (r: LoadResult) =>
    Object.entries(r.cpu)
      .filter(([name]) => name in fleetProcesses)
      .sort(([, a], [, b]) => b - a)
      .map(([name, micros]) => `${name} ${Math.round(micros)}`)
      .join(', ')
  const describe = (r: LoadResult) => `${Math.round(r.perSecond)} req/s, p99 ${r.p99.toFixed(1)} ms`
  progress(`${setup}: warm-up, 2 s of each`)
  await pair('POST', 10, 2)
  await pair('GET', 10, 2)
  const posts: SetupResult['posts'][number][] = []
  const gets: SetupResult['gets'][number][] = []
  for (const kind of ['POST', 'GET'] as const)
    for (const connections of connectionCounts) {
      progress(`${setup}: ${kind} at ${connections} connections, ${seconds} s each`)
      const result = await pair(kind, connections, seconds)
      progress(`  raw ${describe(result.raw)}; gateway ${describe(result.gateway)}`)
      progress(`  CPU per request, µs: ${busiest(result.gateway)}`)
      ;(kind === 'POST' ? posts : gets).push(result)
    }
  // the load runs leave the read side and the process managers some events behind: let them catch up
  const last = await command(base, 'post-todo', {
    assignee_id: users[0],
    todo_id: `${target}-last`,
    text: 'caught up?',
  })
  await (await fetch(`${base}/api/todos/${target}-last?after=${last.position}`)).arrayBuffer()
  progress(`${setup}: write -> read, ${samples} sequential samples`)
  const visible = await visibility(base, users, `vis-${run}`, samples)
  progress(`  visible p50 ${visible.visible.p50.toFixed(2)} ms, p99 ${visible.visible.p99.toFixed(2)} ms`)
  progress(`${setup}: ${timers} deadlines 1–3 s ahead`)
  const timed = await timerPrecision(base, store, users, `due-${run}`, timers)
  progress(`  lateness p50 ${timed.expired.p50.toFixed(1)} ms, p99 ${timed.expired.p99.toFixed(1)} ms`)
  return { setup, posts, gets, visibility: visible, timers: timed }
}

async function localRun(report: TodoReport): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'acta-todo-bench-'))
  try {
    const database = join(dir, 'acta.db')
    const env = {
      ACTA_DATABASE_URL: `sqlite:${database}`,
      ACTA_TRANSPORT_URL: `sqlite:${join(dir, 'transport.db')}`,
      TODO_MAIL_DIR: join(dir, 'mail'),
    }
    report.setups.push(await measure('sqlite + local', env, () => sqliteEventStore({ path: database })))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function brokerRun(report: TodoReport): Promise<void> {
  const schema = `acta_todo_bench_${run}`
  const prefix = `todobench_${run}`
  const database = new URL(postgresUrl)
  database.searchParams.set('schema', schema)
  const transport = new URL(amqpUrl)
  transport.searchParams.set('prefix', prefix)
  const dir = mkdtempSync(join(tmpdir(), 'acta-todo-bench-'))
  try {
    const env = {
      ACTA_DATABASE_URL: database.toString(),
      ACTA_TRANSPORT_URL: transport.toString(),
      TODO_MAIL_DIR: join(dir, 'mail'),
    }
    report.setups.push(
      await measure('postgres + rabbitmq', env, () =>
        postgresEventStore({ connectionString: postgresUrl, schema, listen: false }),
      ),
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await dropBrokerNames(prefix)
    const client = new pg.Client({ connectionString: postgresUrl })
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
    await client.end()
  }
}

/** Every queue and exchange the fleet may have declared under `prefix` (as the fleet's broker test lists them). */
async function dropBrokerNames(prefix: string): Promise<void> {
  const commandQueues = ['mark-todo-as-expired', 'remind-todo-assignee', 'send-mail'].map(
    (c) => `commands.${c}`,
  )
  const delays = new Set(
    [100, 500].flatMap((first) => [...Array(10).keys()].map((n) => Math.min(first * 2 ** n, 30_000))),
  )
  const queues = [
    ...commandQueues.flatMap((queue) => [`${prefix}.q.${queue}`, `${prefix}.parked.${queue}`]),
    ...[...delays].map((delay) => `${prefix}.retry.${delay}`),
    `${prefix}.parked-catalog`,
  ]
  const connection = await amqp.connect(amqpUrl)
  // a failed delete closes its channel: one channel per name
  for (const queue of queues)
    await connection.createChannel().then(
      (channel) => channel.deleteQueue(queue).then(() => channel.close()),
      () => undefined,
    )
  for (const exchange of [`${prefix}.events`, `${prefix}.retry`])
    await connection.createChannel().then(
      (channel) => channel.deleteExchange(exchange).then(() => channel.close()),
      () => undefined,
    )
  await connection.close()
}

async function brokerProblem(): Promise<string | undefined> {
  try {
    await probePostgres(postgresUrl)
    await probeRabbitmq(amqpUrl)
    return undefined
  } catch (error) {
    return (error as Error).message
  }
}

const report: TodoReport = { seconds, loadBefore: loadavg()[0] ?? 0, setups: [], skipped: [] }
progress(`load average before the run: ${report.loadBefore.toFixed(2)}`)
if (wanted('local')) await localRun(report)
if (wanted('broker')) {
  const problem = await brokerProblem()
  if (problem) {
    progress(`SKIPPING PostgreSQL + RabbitMQ: ${problem}`)
    report.skipped.push(`postgres + rabbitmq: ${problem}`)
  } else await brokerRun(report)
}
printTodoReport(report)
await mkdir(new URL('results/', import.meta.url), { recursive: true })
const file = new URL(`results/todo-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url)
await writeFile(file, JSON.stringify(report, null, 2))
progress(`\nwrote ${file.pathname}`)
