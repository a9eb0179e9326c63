import { rm } from 'node:fs/promises'
import { relative } from 'node:path'
import { Option, type Command } from 'commander'
import pc from 'picocolors'
import { CliError, exitCodes, formatDuration, printJson, printTable } from '../output.js'
import { findProjectRoot, loadProject } from '../project.js'
import { startDetached } from '../supervisor/detach.js'
import { consoleSink, fileSink } from '../supervisor/log-sink.js'
import { projectStatus, type ProjectStatus } from '../supervisor/project-status.js'
import { isAlive, logsDir, pidFile, runningSupervisor } from '../supervisor/run-files.js'
import { runSupervisor } from '../supervisor/supervisor.js'

const portOption = () =>
  new Option('-p, --port <port>', "the gateway's port instead of acta.json's").argParser(parsePort)

/** Registers `acta dev`, `start`, `stop`, `restart` and `status`. */
export function registerDevCommands(program: Command): void {
  program
    .command('dev')
    .description(
      'run every unit and the gateway, logs on this terminal; restart a unit when its files change',
    )
    .addOption(portOption())
    .action(async (options: { port?: number }) => {
      const root = findProjectRoot()
      await supervise(root, 'dev', options.port)
    })

  program
    .command('start')
    .description('run every unit and the gateway without watching files, logs in .acta/logs/')
    .option('-d, --detach', 'run in the background; return once the gateway is ready')
    .addOption(portOption())
    .action(async (options: { detach?: boolean; port?: number }) => {
      const root = findProjectRoot()
      if (options.detach) return detach(root, options.port)
      process.stdout.write(
        `logs of the units and the gateway: ${relative(process.cwd(), logsDir(root)) || '.'}/\n`,
      )
      await supervise(root, 'start', options.port)
    })

  program
    .command('stop')
    .description(
      'stop the running supervisor (gateway first, then the replicas); nothing running is not an error',
    )
    .option('--timeout <seconds>', 'how long to wait for it to exit', parseSeconds, 60)
    .action(async (options: { timeout: number }) => {
      const root = findProjectRoot()
      const pid = await runningSupervisor(root)
      if (pid === undefined) {
        await rm(pidFile(root), { force: true })
        process.stdout.write('not running\n')
        return
      }
      await stopSupervisor(root, pid, options.timeout * 1000)
      process.stdout.write(`stopped (pid ${pid})\n`)
    })

  program
    .command('restart')
    .description('stop the running supervisor if any, then start it in the background (start -d)')
    .addOption(portOption())
    .action(async (options: { port?: number }) => {
      const root = findProjectRoot()
      const pid = await runningSupervisor(root)
      if (pid !== undefined) {
        await stopSupervisor(root, pid, 60_000)
        process.stdout.write(`stopped (pid ${pid})\n`)
      }
      await detach(root, options.port)
    })

  program
    .command('status')
    .description(
      'the supervisor, the gateway and every replica with its /readyz answer; exit code 3 when not running',
    )
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }) => {
      const status = await projectStatus(findProjectRoot())
      if (options.json) printJson(status)
      else printStatus(status)
      if (!status.running) throw new CliError('not running', { exitCode: exitCodes.notFound, quiet: true })
    })
}

async function supervise(root: string, mode: 'dev' | 'start', port: number | undefined): Promise<void> {
  const { project } = await loadProject(root)
  const width = Math.max(
    8,
    ...Object.entries(project.services).map(([name, unit]) => `${name}#${unit.replicas}`.length),
  )
  const sink = mode === 'dev' ? consoleSink({ width }) : fileSink(root)
  const code = await runSupervisor({ root, mode, sink, ...(port !== undefined ? { port } : {}) })
  if (code !== 0)
    throw new CliError('the project stopped after a failed start', { exitCode: code, quiet: true })
}

async function detach(root: string, port: number | undefined): Promise<void> {
  const pid = await runningSupervisor(root)
  if (pid !== undefined)
    throw new CliError(`This project runs already (supervisor pid ${pid})`, {
      hint: 'acta restart replaces it',
    })
  const started = await startDetached(root, port !== undefined ? ['--port', String(port)] : [])
  process.stdout.write(
    `started in the background (pid ${started.pid})${started.url ? `: ${pc.bold(started.url)}` : ''}\n` +
      (started.dashboard ? `dashboard ${started.dashboard}\n` : '') +
      `logs in ${relative(process.cwd(), logsDir(root)) || '.'}/; acta status, acta stop\n`,
  )
}

/** SIGTERM, then waits until the process is gone (the supervisor removes its pid file itself). */
async function stopSupervisor(root: string, pid: number, timeoutMs: number): Promise<void> {
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid)) {
    if (Date.now() > deadline)
      throw new CliError(`The supervisor (pid ${pid}) is still running after ${formatDuration(timeoutMs)}`, {
        hint: `see ${logsDir(root)}/supervisor.log; kill -9 ${pid} ends it at once`,
      })
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  await rm(pidFile(root), { force: true })
}

function printStatus(status: ProjectStatus): void {
  if (!status.running) process.stdout.write(`${status.project}: ${pc.yellow('not running')}\n`)
  else
    process.stdout.write(
      `${status.project}: ${pc.green('running')} (${status.mode}, pid ${status.pid}, up ${formatDuration(status.uptimeMs ?? 0)})\n` +
        `gateway ${status.gateway.url ?? '(no routes)'} ${status.gateway.url ? (status.gateway.answers ? pc.green('answers') : pc.red('does not answer')) : ''}\n` +
        (status.dashboard ? `dashboard ${status.dashboard}\n` : '') +
        '\n',
    )
  const rows = status.units.flatMap((unit) =>
    unit.replicas.map((replica) => ({ unit: unit.name, kind: unit.kind, ...replica })),
  )
  printTable(rows, [
    { header: 'UNIT', value: (row) => `${row.unit}#${row.replica}` },
    { header: 'KIND', value: (row) => row.kind },
    { header: 'PORT', value: (row) => row.port, align: 'right' },
    { header: 'PID', value: (row) => row.pid ?? '-', align: 'right' },
    { header: 'STATE', value: (row) => row.state },
    { header: 'RESTARTS', value: (row) => row.restarts, align: 'right' },
    {
      header: 'READYZ',
      value: (row) => (row.ready ? pc.green('200') : status.running ? pc.red(String(row.readyz)) : '-'),
    },
  ])
}

function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new CliError(`--port must be an integer from 0 to 65535, got "${value}"`, {
      exitCode: exitCodes.usage,
    })
  return port
}

function parseSeconds(value: string): number {
  const seconds = Number(value)
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new CliError(`--timeout must be a positive number of seconds, got "${value}"`, {
      exitCode: exitCodes.usage,
    })
  return seconds
}
