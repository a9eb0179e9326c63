import pc from 'picocolors'

type Colors = ReturnType<typeof pc.createColors>

const levels: Record<number, [string, (c: Colors) => (text: string) => string]> = {
  10: ['TRACE', (c) => c.gray],
  20: ['DEBUG', (c) => c.blue],
  30: ['INFO ', (c) => c.green],
  40: ['WARN ', (c) => c.yellow],
  50: ['ERROR', (c) => c.red],
  60: ['FATAL', (c) => c.magenta],
}
/** pino's own fields, and those the prefix already says. */
const hidden = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'v', 'err', 'error'])
const maxFields = 4
const maxValue = 80

/**
 * Renders one output line of a replica for a terminal: a pino JSON line becomes
 * `12:00:01.250 INFO  message key=value …` (level colored, at most four other fields, an error's
 * message and, at error level, its stack); any other line is returned as it is.
 *
 * @example
 * renderLogLine('{"level":30,"time":1700000000000,"msg":"listening","port":3000}', { colors: false })
 * // '22:13:20.000 INFO  listening port=3000' (in the local time zone)
 */
export function renderLogLine(line: string, options: { colors?: boolean } = {}): string {
  const c = pc.createColors(options.colors ?? pc.isColorSupported)
  if (!line.startsWith('{')) return line
  let record: Record<string, unknown>
  try {
    const parsed: unknown = JSON.parse(line)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return line
    record = parsed as Record<string, unknown>
  } catch {
    return line
  }
  if (typeof record.level !== 'number' && typeof record.msg !== 'string') return line
  const [label, paint] = levels[record.level as number] ?? [text(record.level).padEnd(5), () => c.white]
  const time = typeof record.time === 'number' ? clock(new Date(record.time)) : ''
  const fields = Object.entries(record)
    .filter(([key, value]) => !hidden.has(key) && value !== undefined)
    .slice(0, maxFields)
    .map(([key, value]) => `${c.dim(`${key}=`)}${short(value)}`)
  const error = (record.err ?? record.error) as { message?: unknown; stack?: unknown } | undefined
  const parts = [c.dim(time), paint(c)(label), text(record.msg), ...fields].filter(Boolean)
  if (error && typeof error === 'object') {
    parts.push(c.red(text(error.message)))
    if ((record.level as number) >= 50 && typeof error.stack === 'string')
      return `${parts.join(' ')}\n${c.dim(error.stack)}`
  }
  return parts.join(' ')
}

function clock(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0')
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
}

function text(value: unknown): string {
  if (value === undefined || value === null) return ''
  return typeof value === 'string' ? value : JSON.stringify(value)
}

function short(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return text.length > maxValue ? `${text.slice(0, maxValue - 1)}…` : text
}

const palette = ['cyan', 'magenta', 'yellow', 'blue', 'green', 'red'] as const

/**
 * A unit's prefix color: picked by its position in acta.json, so neighbours differ and a unit
 * keeps its color across runs.
 */
export function unitColor(index: number, colors = pc.isColorSupported): (text: string) => string {
  const c = pc.createColors(colors)
  return c[palette[index % palette.length]!]
}
