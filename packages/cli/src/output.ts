import pc from 'picocolors'

/**
 * An error the CLI reports as one readable line (plus an optional hint) and a non-zero exit code,
 * instead of a stack trace. Throw it from any command.
 *
 * @example
 * throw new CliError(`No service "${name}" in acta.json`, { hint: 'acta service add <name> --path …' })
 */
export class CliError extends Error {
  readonly exitCode: number
  readonly hint: string | undefined
  /** Set when the command has already said what went wrong: only the exit code is left to give. */
  readonly quiet: boolean
  constructor(
    message: string,
    options: { exitCode?: number; hint?: string; cause?: unknown; quiet?: boolean } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = 'CliError'
    this.exitCode = options.exitCode ?? 1
    this.hint = options.hint
    this.quiet = options.quiet ?? false
  }
}

/** Exit codes: 1 a failed operation, 2 a usage error (bad arguments), 3 not found. */
export const exitCodes = { failure: 1, usage: 2, notFound: 3 } as const

/** Writes a value as one JSON document on stdout (the `--json` output of read commands). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** One JSON value per line on stdout (streaming `--json` output, e.g. `events tail`). */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`)
}

export interface Column<Row> {
  header: string
  value: (row: Row) => string | number | undefined
  align?: 'left' | 'right'
}

/** Renders rows as an aligned text table (headers dimmed); an empty list prints `empty` instead. */
export function printTable<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  empty = '(none)',
): void {
  if (rows.length === 0) {
    process.stdout.write(`${pc.dim(empty)}\n`)
    return
  }
  const cells = rows.map((row) => columns.map((column) => String(column.value(row) ?? '')))
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => visibleLength(line[i] ?? ''))),
  )
  const pad = (text: string, i: number) => {
    const fill = ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(text)))
    return columns[i]?.align === 'right' ? fill + text : text + fill
  }
  const lines = [
    pc.dim(
      columns
        .map((column, i) => pad(column.header, i))
        .join('  ')
        .trimEnd(),
    ),
    ...cells.map((line) => line.map(pad).join('  ').trimEnd()),
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}

/** Prints an error (and its hint) on stderr the way every command does. */
export function printError(error: unknown): void {
  if (error instanceof CliError && error.quiet) return
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`${pc.red('error')} ${message}\n`)
  if (error instanceof CliError && error.hint) process.stderr.write(`${pc.dim('hint')}  ${error.hint}\n`)
}

// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*m/g
function visibleLength(text: string): number {
  return text.replace(ansi, '').length
}

/** `1234567` -> `1,234,567`; for counts in human output. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}

/** Milliseconds as `850 ms`, `12.3 s`, `4 min 05 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.round((ms % 60_000) / 1000)
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`
}
