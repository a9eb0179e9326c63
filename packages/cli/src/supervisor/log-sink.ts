import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { join } from 'node:path'
import pc from 'picocolors'
import { renderLogLine, unitColor } from './log-line.js'
import { logsDir } from './run-files.js'

/** Where the supervisor puts the output of replicas (`unit#n`), the gateway and itself (`acta`). */
export interface LogSink {
  /** One line (no trailing newline) from `source`. */
  write(source: LogSource, line: string): void
  close(): Promise<void>
}

/** `unit` and `replica` for a replica; `gateway` or `acta` (the supervisor) otherwise. */
export type LogSource = { unit: string; replica: number; index: number } | 'gateway' | 'acta'

const label = (source: LogSource) =>
  typeof source === 'string' ? source : `${source.unit}#${source.replica}`

/**
 * `acta dev`: every line on this terminal, prefixed by `unit#replica` in the unit's color and
 * rendered readably (pino JSON lines as time, level, message and a few fields).
 */
export function consoleSink(
  options: { output?: NodeJS.WritableStream; colors?: boolean; width?: number } = {},
): LogSink {
  const { output = process.stdout, colors = pc.isColorSupported } = options
  const c = pc.createColors(colors)
  let width = options.width ?? 8
  return {
    write(source, line) {
      const name = label(source)
      width = Math.max(width, name.length)
      const paint =
        typeof source === 'string' ? (source === 'acta' ? c.bold : c.white) : unitColor(source.index, colors)
      const prefix = `${paint(name.padEnd(width))} ${c.dim('|')} `
      const text = typeof source === 'string' && source === 'acta' ? line : renderLogLine(line, { colors })
      output.write(`${prefix}${text.replaceAll('\n', `\n${' '.repeat(width + 3)}`)}\n`)
    },
    close: async () => undefined,
  }
}

/**
 * `acta start`: each replica's output as it is in `.acta/logs/<unit>-<replica>.log`, the gateway's in
 * `gateway.log`, appended across runs; the supervisor's own lines on `output` (the terminal, or
 * `supervisor.log` when detached).
 */
export function fileSink(root: string, output: NodeJS.WritableStream = process.stdout): LogSink {
  const dir = logsDir(root)
  mkdirSync(dir, { recursive: true })
  const files = new Map<string, WriteStream>()
  const fileOf = (name: string) => {
    let file = files.get(name)
    if (!file) {
      file = createWriteStream(join(dir, `${name}.log`), { flags: 'a' })
      files.set(name, file)
    }
    return file
  }
  return {
    write(source, line) {
      if (source === 'acta') output.write(`${new Date().toISOString()} ${line}\n`)
      else fileOf(source === 'gateway' ? 'gateway' : `${source.unit}-${source.replica}`).write(`${line}\n`)
    },
    async close() {
      await Promise.all(
        [...files.values()].map((file) => new Promise<void>((resolve) => file.end(() => resolve()))),
      )
      files.clear()
    },
  }
}

/** Splits a stream's chunks into lines; the last partial line is flushed at the end. */
export function lineReader(onLine: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  let rest = ''
  return {
    push(chunk) {
      const text = rest + chunk.toString('utf8')
      const lines = text.split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) onLine(line.replace(/\r$/, ''))
    },
    end() {
      if (rest) onLine(rest)
      rest = ''
    },
  }
}
