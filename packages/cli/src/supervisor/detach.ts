import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CliError } from '../output.js'
import { logsDir, readState } from './run-files.js'

const bin = fileURLToPath(new URL('../../bin/acta.js', import.meta.url))

/**
 * `acta start -d`: runs `acta start` (with `args`) as a detached process whose output goes to
 * `.acta/logs/supervisor.log`, and waits until its gateway is ready. Throws a CliError naming the
 * log when it exits or fails first.
 */
export async function startDetached(
  root: string,
  args: readonly string[],
  timeoutMs = 180_000,
): Promise<{ pid: number; url: string | null; dashboard: string | undefined }> {
  mkdirSync(logsDir(root), { recursive: true })
  const log = join(logsDir(root), 'supervisor.log')
  const fd = openSync(log, 'a')
  const child = spawn(process.execPath, [bin, 'start', ...args], {
    cwd: root,
    detached: true,
    stdio: ['ignore', fd, fd],
    env: process.env,
  })
  closeSync(fd)
  const pid = child.pid
  if (pid === undefined) throw new CliError(`Could not start the supervisor; see ${log}`)
  let exit: number | null | undefined
  child.once('exit', (code) => (exit = code ?? 1))
  child.unref()
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const state = await readState(root)
    if (state?.pid === pid && state.ready) return { pid, url: state.gateway.url, dashboard: state.dashboard }
    if (state?.pid === pid && state.failed) break
    if (exit !== undefined) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  if (exit === undefined) process.kill(pid, 'SIGTERM')
  const state = await readState(root)
  const reason =
    state?.pid === pid && state.failed
      ? state.failed
      : exit !== undefined
        ? `it exited with code ${exit}`
        : 'it is not ready in time'
  throw new CliError(`The project did not start: ${reason}`, {
    hint: `its output is in ${log} and ${logsDir(root)}/`,
  })
}
