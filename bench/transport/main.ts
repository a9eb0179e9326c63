/**
 * The transport benchmark: the Acta RabbitMQ adapter next to plain amqplib doing the same work in
 * the same run. Progress on stderr, the table on stdout, the figures in
 * bench/results/transport-<timestamp>.json.
 *
 *   npm run bench:transport
 *   ACTA_BENCH_SCALE=0.2 npm run bench:transport
 */
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import amqp from 'amqplib'
import { actaTarget } from './acta-target.js'
import { figure, now, type Figure, type Sample } from './measure.js'
import { rawTarget } from './raw-target.js'
import type { Target } from './target.js'

const url = process.env.ACTA_BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const scale = Number(process.env.ACTA_BENCH_SCALE ?? '1')
const rounds = 3
const size = (n: number): number => Math.max(10, Math.round(n * scale))
const began = now()
const progress = (line: string): void => {
  process.stderr.write(`[${((now() - began) / 1000).toFixed(1).padStart(6)} s] ${line}\n`)
}

interface Scenario {
  readonly id: string
  readonly title: string
  readonly unit: string
  readonly run: (target: Target, fraction: number) => Promise<Sample>
}

const window = 256
const prefetch = 100
const scenarios: Scenario[] = [
  {
    id: 'send',
    title: `send -> consume (${window} unconfirmed sends, prefetch ${prefetch})`,
    unit: 'msg/s',
    run: (t, f) => t.sendConsume(Math.round(size(20_000) * f), window, prefetch),
  },
  {
    id: 'publish',
    title: `publish -> group subscriber (${window} unconfirmed, prefetch ${prefetch})`,
    unit: 'msg/s',
    run: (t, f) => t.publishSubscribe(Math.round(size(20_000) * f), window, prefetch),
  },
  {
    id: 'rpc-1',
    title: 'request/reply, 1 caller',
    unit: 'rt/s',
    run: (t, f) => t.rpc(Math.round(size(2_000) * f), 1),
  },
  {
    id: 'rpc-32',
    title: 'request/reply, 32 concurrent callers',
    unit: 'rt/s',
    run: (t, f) => t.rpc(Math.round(size(10_000) * f), 32),
  },
]

const only = process.env.ACTA_BENCH_ONLY?.split(',').map((id) => id.trim())
const chosen = only ? scenarios.filter((s) => only.includes(s.id)) : scenarios

const prefix = `acta-bench-${randomBytes(3).toString('hex')}`
const probe = await amqp.connect(url)
const server = probe.connection.serverProperties
progress(
  `transport benchmark against RabbitMQ ${server.version} at ${url.replace(/\/\/[^@]*@/, '//')}; scale ${scale}`,
)
const load = loadavg()[0]!
if (load > 1)
  progress(`note: load average ${load.toFixed(2)} at start; the broker shares the ${cpus().length} cores`)

const acta = await actaTarget(url, `${prefix}-acta`)
const raw = await rawTarget(url, `${prefix}-raw`)
const targets: (Target & { queues: string[] })[] = [acta, raw]
const figures: Figure[] = []

try {
  for (const scenario of chosen) {
    const samples = new Map<string, Sample[]>(targets.map((t) => [t.name, []]))
    for (const target of targets) {
      progress(`${scenario.id}: warming up ${target.name}`)
      await scenario.run(target, 0.2)
    }
    for (let round = 0; round < rounds; round++) {
      // alternate who goes first, so a broker checkpoint or a noisy neighbour lands on both alike
      const order = round % 2 === 0 ? targets : [...targets].reverse()
      for (const target of order) {
        const cpu = process.cpuUsage()
        const sample = await scenario.run(target, 1)
        const used = process.cpuUsage(cpu)
        sample.cpuMicros = used.user + used.system
        samples.get(target.name)!.push(sample)
        progress(
          `${scenario.id}: round ${round + 1}/${rounds} ${target.name}: ${Math.round(sample.ops / sample.seconds)} ${scenario.unit}`,
        )
      }
    }
    for (const target of targets) figures.push(figure(scenario.id, target.name, samples.get(target.name)!))
  }
} finally {
  await Promise.all(targets.map((t) => t.close()))
  const ch = await probe.createChannel()
  for (const queue of targets.flatMap((t) => t.queues)) await ch.deleteQueue(queue)
  for (const exchange of [`${prefix}-acta.events`, `${prefix}-acta.retry`, `${prefix}-raw.events`])
    await ch.deleteExchange(exchange)
  await probe.close()
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const rows = chosen.map((s) => {
  const a = figures.find((f) => f.scenario === s.id && f.contender === acta.name)!
  const r = figures.find((f) => f.scenario === s.id && f.contender === raw.name)!
  return { scenario: s, acta: a, raw: r, ratio: a.perSecond / r.perSecond }
})
const lines = [
  '| scenario | Acta | raw amqplib | Acta / raw | Acta p50 / p99 ms | raw p50 / p99 ms | CPU µs/op Acta / raw |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    ({ scenario, acta: a, raw: r, ratio }) =>
      `| ${scenario.title} | ${fmt(a.perSecond)} ${scenario.unit} | ${fmt(r.perSecond)} ${scenario.unit} | ${fmt(ratio * 100)}% | ${fmt(a.p50Ms, 2)} / ${fmt(a.p99Ms, 2)} | ${fmt(r.p50Ms, 2)} / ${fmt(r.p99Ms, 2)} | ${fmt(a.cpuMicrosPerOp)} / ${fmt(r.cpuMicrosPerOp)} |`,
  ),
]
process.stdout.write(`${lines.join('\n')}\n`)
const goal = 0.8
for (const { scenario, ratio } of rows)
  if (ratio < goal)
    process.stdout.write(`below goal: ${scenario.id} at ${fmt(ratio * 100)}% of raw (goal ${goal * 100}%)\n`)

const results = new URL('../results/', import.meta.url)
await mkdir(results, { recursive: true })
const file = new URL(`transport-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, results)
await writeFile(
  file,
  `${JSON.stringify(
    {
      finishedAt: new Date().toISOString(),
      broker: { product: server.product, version: server.version },
      config: { scale, rounds, window, prefetch },
      machine: { cpus: cpus().length, loadAverageAtStart: load },
      figures,
      comparisons: rows.map(({ scenario, ratio }) => ({
        scenario: scenario.id,
        title: scenario.title,
        ratio,
      })),
    },
    null,
    2,
  )}\n`,
)
progress(`wrote ${file.pathname}`)
