/**
 * The key-value example over HTTP, next to a raw node:http server in the same run:
 *
 *   npm run bench:http                              # SQLite + local, then PostgreSQL + RabbitMQ
 *   ACTA_BENCH_ONLY=local npm run bench:http        # or broker; get (the GET comparison only)
 *   ACTA_BENCH_SCALE=0.3 ACTA_BENCH_ROUNDS=1 npm run bench:http   # a quick run
 *
 * GET /values/k: a raw node:http server serving the same Map, one replica directly, the gateway
 * in front of three replicas, a minimal node:http proxy in front of the same three, and nginx with
 * the configuration nginxConfig generates from the gateway's route table (1 worker, and `auto`),
 * each in its own process(es), in rotating order over several rounds; CPU per request of each from
 * /proc. Without nginx only its rows are skipped. PUT: autocannon through the gateway, throughput
 * and latency. Visibility: PUT -> the event applied on all three replicas, at a steady rate,
 * watched on each replica's websocket.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import amqp from 'amqplib'
import pg from 'pg'
import { machineBusySeconds, processesNamed } from './cpu.js'
import { getLoad, putLoad, type Groups, type LoadResult } from './load.js'
import { findNginx, nginxProxy } from './nginx-proxy.js'
import { fleet, rawProxy, rawServer, type FleetInfo } from './processes.js'
import { printReport, type Report } from './report.js'
import { measureVisibility } from './visibility.js'

const scale = Number(process.env.ACTA_BENCH_SCALE ?? 1)
const seconds = Number(process.env.ACTA_BENCH_SECONDS ?? 10) * scale
// short GET rounds, many of them, in rotating order: load from other work drifts over minutes
const getSeconds = Number(process.env.ACTA_BENCH_GET_SECONDS ?? 5) * scale
const rounds = Number(process.env.ACTA_BENCH_ROUNDS ?? 6)
const connections = Number(process.env.ACTA_BENCH_CONNECTIONS ?? 50)
const rate = Number(process.env.ACTA_BENCH_RATE ?? 200)
const only = process.env.ACTA_BENCH_ONLY
const postgresUrl = process.env.ACTA_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const amqpUrl = process.env.ACTA_BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const progress = (line: string) => process.stderr.write(`${line}\n`)
const wanted = (part: string) => only === undefined || only.split(',').includes(part)

/** The key every GET asks for, among a thousand others, everywhere. */
async function fill(base: string): Promise<void> {
  const put = (key: string, value: string) =>
    fetch(`${base}/values/${key}`, { method: 'PUT', body: value }).then(async (res) => {
      await res.arrayBuffer()
      if (!res.ok) throw new Error(`PUT ${base}/values/${key}: ${res.status}`)
    })
  for (let i = 0; i < 1000; i += 50)
    await Promise.all(Array.from({ length: 50 }, (_, j) => put(`key-${i + j}`, `value number ${i + j}`)))
  await put('k', 'the value of k')
}

async function compareGets(info: FleetInfo, skipped: string[]): Promise<LoadResult[]> {
  const started: { stop(): Promise<void> }[] = []
  const start = async <T extends { stop(): Promise<void> }>(child: Promise<T>): Promise<T> => {
    const running = await child
    started.push(running)
    return running
  }
  try {
    const upstreams = info.replicas.map((replica) => replica.url)
    const raw = await start(rawServer())
    const proxy = await start(rawProxy(upstreams))
    const nginx = await findNginx()
    const nginxes: { workers: string; info: { url: string; pids: number[]; log(): Promise<string> } }[] = []
    if ('problem' in nginx) {
      progress(`SKIPPING the nginx rows: ${nginx.problem}; install the Debian package "nginx"`)
      skipped.push(`nginx rows: ${nginx.problem}`)
    } else
      for (const workers of [1, 'auto'] as const) {
        const running = await start(nginxProxy(nginx.binary, upstreams, workers))
        const count = running.info.pids.length - 1
        const label = workers === 'auto' ? `auto = ${count} workers` : `${count} worker`
        nginxes.push({ workers: label, info: running.info })
      }
    await fill(raw.info.url)
    await fill(info.url)
    const replicaPids = info.replicas.map((replica) => replica.pid)
    const targets: { name: string; url: string; groups: Groups }[] = [
      { name: 'raw node:http', url: `${raw.info.url}/values/k`, groups: { server: [raw.info.pid] } },
      {
        name: 'replica directly',
        url: `${info.replicas[0]!.url}/values/k`,
        groups: { server: [replicaPids[0]!] },
      },
      {
        name: 'gateway (3 replicas)',
        url: `${info.url}/values/k`,
        groups: { server: [info.pid, ...replicaPids], proxy: [info.pid], replicas: replicaPids },
      },
      {
        name: 'raw node:http proxy (3 replicas)',
        url: `${proxy.info.url}/values/k`,
        groups: { server: [proxy.info.pid, ...replicaPids], proxy: [proxy.info.pid], replicas: replicaPids },
      },
      ...nginxes.map(({ workers, info: nginx }) => ({
        name: `nginx, generated config, ${workers} (3 replicas)`,
        url: `${nginx.url}/values/k`,
        groups: { server: [...nginx.pids, ...replicaPids], proxy: nginx.pids, replicas: replicaPids },
      })),
    ]
    // a GET with ?after waits until the replica has applied the last write, so all serve k
    for (const replica of info.replicas) await (await fetch(`${replica.url}/values/k?after=0`)).arrayBuffer()
    progress(`GET warm-up: 2 s each`)
    for (const target of targets) await getLoad(target.name, target.url, connections, 2)
    const totals = new Map(targets.map((t) => [t.name, [] as LoadResult[]]))
    for (let round = 0; round < rounds; round++) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length]!)
      for (const target of order) {
        const result = await getLoad(target.name, target.url, connections, getSeconds, target.groups)
        progress(`GET round ${round + 1}/${rounds} ${target.name}: ${Math.round(result.perSecond)} req/s`)
        totals.get(target.name)!.push(result)
      }
    }
    for (const { workers, info: nginx } of nginxes) {
      const log = (await nginx.log()).trim()
      if (log) progress(`nginx, ${workers}, error log:\n${log.split('\n').slice(-20).join('\n')}`)
    }
    return targets.map((target) => combine(totals.get(target.name)!))
  } finally {
    await Promise.allSettled(started.map((child) => child.stop()))
  }
}

/**
 * Rounds of one target as one figure: requests over summed time, CPU per request weighted by
 * requests; latency quantiles are the median round's.
 */
function combine(results: readonly LoadResult[]): LoadResult {
  const requests = results.reduce((sum, r) => sum + r.requests, 0)
  const time = results.reduce((sum, r) => sum + r.seconds, 0)
  const middle = [...results].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(results.length / 2)]!
  const cpu: Record<string, number> = {}
  for (const name of Object.keys(middle.cpu))
    cpu[name] = results.reduce((sum, r) => sum + (r.cpu[name] ?? 0) * r.requests, 0) / requests
  return {
    ...middle,
    requests,
    seconds: time,
    perSecond: requests / time,
    failures: results.reduce((sum, r) => sum + r.failures, 0),
    cpu,
    busyCores: results.reduce((sum, r) => sum + r.busyCores * r.seconds, 0) / time,
  }
}

async function writes(name: string, info: FleetInfo, report: Report): Promise<void> {
  progress(`${name}: PUT warm-up, 2 s`)
  await putLoad(name, info.url, { connections, seconds: 2, keys: 1000, prefix: 'warm' })
  progress(`${name}: PUT, ${connections} connections, ${seconds} s`)
  const groups = {
    'gateway + replicas': [info.pid, ...info.replicas.map((replica) => replica.pid)],
    postgres: processesNamed(['postgres']),
    rabbitmq: processesNamed(['beam.smp']),
  }
  const put = await putLoad(name, info.url, { connections, seconds, keys: 1000, prefix: 'put', groups })
  progress(`${name}: ${Math.round(put.perSecond)} PUT/s, p99 ${put.p99.toFixed(1)} ms`)
  progress(`${name}: PUT -> visible on every replica, ${rate}/s for ${seconds} s`)
  const visible = await measureVisibility(info, rate, seconds)
  progress(`${name}: visible on all p99 ${visible.allP99.toFixed(1)} ms`)
  report.writes.push({ setup: name, put, visible })
}

/** How many cores other work keeps busy before anything here runs: the figures share the machine with it. */
async function backgroundLoad(): Promise<number> {
  const before = machineBusySeconds()
  await new Promise((resolve) => setTimeout(resolve, 3000))
  return (machineBusySeconds() - before) / 3
}

async function main(): Promise<void> {
  const background = await backgroundLoad()
  progress(`background load before the run: ${background.toFixed(2)} busy cores`)
  const report: Report = {
    seconds,
    getSeconds,
    rounds,
    connections,
    background,
    gets: [],
    writes: [],
    skipped: [],
  }
  if (wanted('local') || wanted('get')) {
    const dir = mkdtempSync(join(tmpdir(), 'acta-http-bench-'))
    const local = await fleet({
      ACTA_DATABASE_URL: `sqlite:${join(dir, 'acta.db')}`,
      ACTA_TRANSPORT_URL: `sqlite:${join(dir, 'transport.db')}`,
    })
    try {
      if (wanted('local') || wanted('get')) report.gets = await compareGets(local.info, report.skipped)
      if (wanted('local')) await writes('sqlite + local', local.info, report)
    } finally {
      await local.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
  if (wanted('broker')) {
    const reason = await brokerProblem()
    if (reason) {
      progress(`SKIPPING PostgreSQL + RabbitMQ: ${reason}`)
      report.skipped.push(`postgres + rabbitmq: ${reason}`)
    } else await brokerRun(report)
  }
  printReport(report)
  await mkdir(new URL('../results/', import.meta.url), { recursive: true })
  const file = new URL(
    `../results/http-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    import.meta.url,
  )
  await writeFile(file, JSON.stringify(report, null, 2))
  progress(`\nwrote ${file.pathname}`)
}

async function brokerProblem(): Promise<string | undefined> {
  try {
    const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 })
    await client.connect()
    await client.end()
    await (await amqp.connect(amqpUrl, { timeout: 3000 })).close()
    return undefined
  } catch (error) {
    return (error as Error).message
  }
}

async function brokerRun(report: Report): Promise<void> {
  const run = randomBytes(4).toString('hex')
  const schema = `acta_http_bench_${run}`
  const namespace = `kvbench_${run}`
  const database = new URL(postgresUrl)
  database.searchParams.set('schema', schema)
  const broker = await fleet({
    ACTA_DATABASE_URL: database.toString(),
    ACTA_TRANSPORT_URL: amqpUrl,
    KV_NAMESPACE: namespace,
  })
  try {
    await writes('postgres + rabbitmq', broker.info, report)
  } finally {
    await broker.stop()
    const connection = await amqp.connect(amqpUrl)
    const channel = await connection.createChannel()
    for (const queue of [
      `${namespace}.commands`,
      ...[1, 2, 3].map((i) => `subscriber.${namespace}-replica-${i}`),
    ]) {
      await channel.deleteQueue(`acta.q.${queue}`)
      await channel.deleteQueue(`acta.parked.${queue}`)
    }
    await connection.close()
    const client = new pg.Client({ connectionString: postgresUrl })
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
    await client.end()
  }
}

await main()
