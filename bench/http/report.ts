import { cpus } from 'node:os'
import type { LoadResult } from './load.js'
import type { VisibilityResult } from './visibility.js'

export interface Report {
  /** Duration of each PUT run and of the visibility run. */
  seconds: number
  /** Duration of each GET round. */
  getSeconds: number
  rounds: number
  connections: number
  /** Busy cores measured for 3 s before the run, when nothing of the benchmark ran. */
  background: number
  gets: LoadResult[]
  writes: { setup: string; put: LoadResult; visible: VisibilityResult }[]
  skipped: string[]
}

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 2 : 1)} ms` : '—')
const wholeMs = (value: number) => (Number.isFinite(value) ? `${value} ms` : '—')
const count = (value: number) => Math.round(value).toLocaleString('en-US')
const percent = (value: number) => (Number.isFinite(value) ? `${Math.round(value * 100)}%` : '—')
const micros = (value: number | undefined) => (value === undefined ? '—' : `${count(value)} µs`)
const verdict = (met: boolean) => (met ? 'met' : 'MISSED')

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)))
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

function getSection(report: Report): string[] {
  const [raw, direct, gateway, proxy] = report.gets
  const ratio = (r: LoadResult, i: number) =>
    i === 1 && raw
      ? `${percent(r.perSecond / raw.perSecond)} of raw`
      : i >= 2 && direct
        ? `${percent(r.perSecond / direct.perSecond)} of direct`
        : ''
  const out = [
    `\nGET /values/k, ${report.connections} connections, ${report.rounds} rounds of ${report.getSeconds} s ` +
      `(latency: autocannon's histogram, whole ms; CPU: per request, from /proc)\n`,
    table(
      [
        'target',
        'req/s',
        'ratio',
        'p50',
        'p99',
        'server CPU',
        'load generator CPU',
        'busy cores',
        'failures',
      ],
      report.gets.map((r, i) => [
        r.target,
        count(r.perSecond),
        ratio(r, i),
        wholeMs(r.p50),
        wholeMs(r.p99),
        r.cpu.proxy === undefined
          ? micros(r.cpu.server)
          : `${micros(r.cpu.server)} (proxy ${micros(r.cpu.proxy)} + replicas ${micros(r.cpu.replicas)})`,
        micros(r.cpu['load generator']),
        `${r.busyCores.toFixed(2)} of ${cpus().length}`,
        String(r.failures),
      ]),
    ),
  ]
  if (raw && direct && gateway)
    out.push(
      `\ntargets: direct >= 90% of raw: ${verdict(direct.perSecond / raw.perSecond >= 0.9)} ` +
        `(${percent(direct.perSecond / raw.perSecond)}; a replica needs ${percent((direct.cpu.server ?? 0) / (raw.cpu.server ?? 1))} of the raw server's CPU per request); ` +
        `gateway >= 60% of direct: ${verdict(gateway.perSecond / direct.perSecond >= 0.6)} (${percent(gateway.perSecond / direct.perSecond)}` +
        (proxy ? `; a raw node:http proxy: ${percent(proxy.perSecond / direct.perSecond)})` : ')'),
    )
  const nginx = report.gets.filter((r) => r.target.startsWith('nginx'))
  if (direct && nginx.length > 0)
    out.push(
      `nginx (generated config) >= 60% of direct: ` +
        nginx
          .map(
            (r) =>
              `${r.target.replace(/^nginx, generated config, | \(3 replicas\)$/g, '')} ` +
              `${verdict(r.perSecond / direct.perSecond >= 0.6)} (${percent(r.perSecond / direct.perSecond)})`,
          )
          .join('; '),
    )
  return out
}

function writeSection(report: Report): string[] {
  const cores = cpus().length
  const out = [
    `\nPUT /values/{key} through the gateway, ${report.connections} connections, ${report.seconds} s, 1,000 keys ` +
      `(CPU per PUT, from /proc; ceiling = ${cores} cores / machine CPU per PUT)\n`,
    table(
      [
        'setup',
        'PUT/s',
        'p50',
        'p99',
        'gateway + replicas',
        'postgres',
        'rabbitmq',
        'load generator',
        'machine',
        'busy cores',
        'CPU ceiling',
        'failures',
      ],
      report.writes.map(({ setup, put }) => [
        setup,
        count(put.perSecond),
        ms(put.p50),
        ms(put.p99),
        micros(put.cpu['gateway + replicas']),
        micros(put.cpu.postgres),
        micros(put.cpu.rabbitmq),
        micros(put.cpu['load generator']),
        micros(put.cpu.machine),
        `${put.busyCores.toFixed(2)} of ${cores}`,
        `${count((cores * 1e6) / (put.cpu.machine ?? Number.NaN))} PUT/s`,
        String(put.failures),
      ]),
    ),
    `\nPUT -> applied on all 3 replicas (each replica's /events websocket), steady rate\n`,
    table(
      ['setup', 'rate', 'complete', 'PUT p50', 'PUT p99', 'visible p50', 'visible p99', 'max'],
      report.writes.map(({ setup, visible: v }) => [
        setup,
        `${v.rate}/s`,
        `${v.complete}/${v.sent}`,
        ms(v.putP50),
        ms(v.putP99),
        ms(v.allP50),
        ms(v.allP99),
        ms(v.allMax),
      ]),
    ),
  ]
  const postgres = report.writes.find((w) => w.setup.startsWith('postgres'))
  if (postgres)
    out.push(
      `\ntarget: PUT p99 <= 10 ms at ${report.connections} connections on PostgreSQL: ${verdict(postgres.put.p99 <= 10)} ` +
        `(${ms(postgres.put.p99)}; at the CPU ceiling, ${report.connections} requests in flight average ` +
        `${ms((report.connections * 1000 * (postgres.put.cpu.machine ?? Number.NaN)) / (cores * 1e6))} by Little's law)`,
    )
  out.push(
    `target: PUT -> visible on all replicas p99 < 100 ms: ${report.writes
      .map(({ setup, visible }) => `${setup} ${verdict(visible.allP99 < 100)} (${ms(visible.allP99)})`)
      .join(', ')}`,
  )
  return out
}

/** The figures, their ratios and the targets, as Markdown tables on stdout. */
export function printReport(report: Report): void {
  const out: string[] = [
    `\n${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}; ` +
      `${report.background.toFixed(2)} cores busy with other work before the run`,
  ]
  if (report.gets.length > 0) out.push(...getSection(report))
  if (report.writes.length > 0) out.push(...writeSection(report))
  for (const skipped of report.skipped) out.push(`\nskipped: ${skipped}`)
  process.stdout.write(`${out.join('\n')}\n`)
}
