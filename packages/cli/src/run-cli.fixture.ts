// Runs the CLI in-process for tests and captures what it writes.
import { vi } from 'vitest'
import { runCli } from './program.js'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*[A-Za-z]/g

/**
 * Runs `acta <argv>` and returns its exit code and output (colors stripped). `live.stdout` receives
 * the output as it is written (for commands that run until interrupted).
 *
 * @example
 * const { code, stdout } = await cli(['projections', 'list', '--json'])
 */
export async function cli(argv: readonly string[], live?: { stdout: string[] }): Promise<CliRun> {
  const out: string[] = live?.stdout ?? []
  const err: string[] = []
  const capture = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    return true
  }
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture(out))
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture(err))
  try {
    const code = await runCli(argv)
    return { code, stdout: out.join('').replace(ansi, ''), stderr: err.join('').replace(ansi, '') }
  } finally {
    stdout.mockRestore()
    stderr.mockRestore()
  }
}

/** Lines of JSON output, parsed. */
export function jsonLines(text: string): unknown[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown)
}
