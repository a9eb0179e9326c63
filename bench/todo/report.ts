import { cpus } from 'node:os'
import { count, markdownTable, ms, ratio } from '../markdown-table.js'
import type { LoadResult } from './load.js'
import type { Spread } from './probes.js'

/** Everything one setup (SQLite + local, PostgreSQL + RabbitMQ) measured. */
export interface SetupResult {
  readonly setup: string
  /** Per connection count: the raw baseline, then the gateway. */
  readonly posts: readonly { raw: LoadResult; gateway: LoadResult }[]
  readonly gets: readonly { raw: LoadResult; gateway: LoadResult }[]
  readonly visibility: { visible: Spread; polls: Spread; get: Spread }
  readonly timers: { expired: Spread; setTimeout: Spread; missing: number }
}

export interface TodoReport {
  readonly seconds: number
  /** Load average (1 min) before the run. */
  readonly loadBefore: number
  readonly setups: SetupResult[]
  readonly skipped: string[]
}

const micros = (value: number | undefined) => (value === undefined ? '—' : `${count(value)} µs`)

function loadRows(setups: readonly SetupResult[], pick: (s: SetupResult) => SetupResult['posts']) {
  return setups.flatMap((setup) =>
    pick(setup).flatMap(({ raw, gateway }) =>
      [raw, gateway].map((r) => [
        setup.setup,
        String(r.connections),
        r.target,
        count(r.perSecond),
        r === gateway ? ratio(gateway.perSecond / raw.perSecond) : '1.00',
        ms(r.p50),
        ms(r.p99),
        micros(r.cpu.target),
        micros(r.cpu.machine),
        String(r.failures),
      ]),
    ),
  )
}

const loadHeader = [
  'setup',
  'connections',
  'target',
  'req/s',
  'ratio to raw',
  'p50',
  'p99',
  'CPU/req (target)',
  'CPU/req (machine)',
  'failures',
]

const totals = new Set(['target', 'load generator', 'machine'])

function processTable(setups: readonly SetupResult[]): string {
  const names = [
    ...new Set(setups.flatMap((s) => s.posts.flatMap((p) => Object.keys(p.gateway.cpu)))),
  ].filter((name) => !totals.has(name))
  return markdownTable(
    ['setup', 'connections', ...names, 'all Acta processes', 'machine'],
    setups.flatMap((setup) =>
      setup.posts.map(({ gateway: r }) => [
        setup.setup,
        String(r.connections),
        ...names.map((name) => count(r.cpu[name] ?? Number.NaN)),
        count(r.cpu.target ?? Number.NaN),
        count(r.cpu.machine ?? Number.NaN),
      ]),
    ),
  )
}

/** The figures and their baselines as Markdown tables on stdout. */
export function printTodoReport(report: TodoReport): void {
  const out = [
    `\n${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}; load average ${report.loadBefore.toFixed(2)} before the run; ` +
      `${report.seconds} s per load run (autocannon, closed loop, every response timed)`,
    `\nPOST /api/commands/post-todo (a fresh todo per request) — the gateway in front of todo-write, ` +
      `against a raw node:http server that parses the JSON and answers 202\n`,
    markdownTable(
      loadHeader,
      loadRows(report.setups, (s) => s.posts),
    ),
    `\nCPU per post-todo by process (µs; the machine's includes PostgreSQL and RabbitMQ)\n`,
    processTable(report.setups),
    `\nGET /api/todos/:id — the gateway in front of todo-read, against a raw node:http server answering a fixed JSON\n`,
    markdownTable(
      loadHeader,
      loadRows(report.setups, (s) => s.gets),
    ),
    `\nwrite -> read: from post-todo's 202 until GET /api/todos/:id (no ?after) answers 200, polled every 1 ms, ` +
      `sequential; floor: one GET round trip of an existing todo\n`,
    markdownTable(
      [
        'setup',
        'samples',
        'visible p50',
        'visible p99',
        'max',
        'GETs until visible p50 / max',
        'GET round trip p50',
        'p99',
      ],
      report.setups.map(({ setup, visibility: v }) => [
        setup,
        String(v.visible.count),
        ms(v.visible.p50),
        ms(v.visible.p99),
        ms(v.visible.max),
        `${v.polls.p50} / ${v.polls.max}`,
        ms(v.get.p50),
        ms(v.get.p99),
      ]),
    ),
    `\ndeadline -> TodoWasMarkedAsExpired recorded (durable scheduler, deadlines spread 1–3 s ahead); ` +
      `baseline: a bare setTimeout in the benchmark process for the same deadlines\n`,
    markdownTable(
      ['setup', 'todos', 'lateness p50', 'p99', 'max', 'setTimeout p50', 'p99', 'max', 'never expired'],
      report.setups.map(({ setup, timers: t }) => [
        setup,
        String(t.expired.count),
        ms(t.expired.p50),
        ms(t.expired.p99),
        ms(t.expired.max),
        ms(t.setTimeout.p50),
        ms(t.setTimeout.p99),
        ms(t.setTimeout.max),
        String(t.missing),
      ]),
    ),
  ]
  for (const skipped of report.skipped) out.push(`\nskipped: ${skipped}`)
  process.stdout.write(`${out.join('\n')}\n`)
}
