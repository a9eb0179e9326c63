import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { GatewayLogger } from '@acta/gateway'
import { CliError } from '../output.js'
import {
  loadProject,
  projectRouteTable,
  projectUrls,
  unitUpstreams,
  runDir,
  type LoadedProject,
  type Project,
} from '../project.js'
import { startAdminUnit, withAdminRoutes, type AdminUnit } from '@acta/dashboard'
import { gatewayHolder } from './gateway-holder.js'
import type { LogSink } from './log-sink.js'
import { removePid, runningSupervisor, writePid, writeState, type SupervisorState } from './run-files.js'
import { unitRunner, type UnitRunner } from './unit-runner.js'
import { watchUnit } from './unit-watcher.js'

export interface SupervisorOptions {
  readonly root: string
  /** `dev` watches files and keeps going when a unit fails to start; `start` gives up instead. */
  readonly mode: 'dev' | 'start'
  /** Gateway port instead of acta.json's. */
  readonly port?: number
  readonly sink: LogSink
  /** How long a replica may take to answer /readyz. Default 60 s. */
  readonly startTimeoutMs?: number
  /** Serve the admin API and dashboard under `/_acta/` (token: `ACTA_ADMIN_TOKEN` or a fresh one). Default true. */
  readonly dashboard?: boolean
}

/**
 * Runs a project: every unit's replicas as child processes, the gateway in this process in front of
 * them; reloads acta.json on SIGHUP, stops in order on SIGINT / SIGTERM. Resolves with the exit code
 * once everything has stopped. Writes `.acta/acta.pid` and `.acta/state.json` while it runs.
 *
 * @example
 * process.exitCode = await runSupervisor({ root, mode: 'dev', sink: consoleSink() })
 */
export async function runSupervisor(options: SupervisorOptions): Promise<number> {
  const { root, mode, sink } = options
  let loaded: LoadedProject = await loadProject(root)
  const other = await runningSupervisor(root)
  if (other !== undefined && other !== process.pid)
    throw new CliError(`This project runs already (supervisor pid ${other})`, {
      hint: 'acta status shows it; acta stop stops it',
    })
  await mkdir(runDir(root), { recursive: true })
  await writePid(root, process.pid)

  const say = (message: string) => sink.write('acta', message)
  const gatewayLog = (level: number) => (msg: string, details?: Record<string, unknown>) =>
    sink.write('gateway', JSON.stringify({ level, time: Date.now(), msg, ...details }))
  const logger: GatewayLogger = { info: gatewayLog(30), warn: gatewayLog(40), error: gatewayLog(50) }
  const gatewayConfig = (project: Project) => ({
    host: project.gateway.host,
    port: options.port ?? project.gateway.port,
  })
  const gateway = gatewayHolder({ ...gatewayConfig(loaded.project), logger })
  let admin: AdminUnit | undefined
  const routeTable = (project: Project) => withAdminRoutes(projectRouteTable(project), admin)
  const runners = new Map<string, UnitRunner>()
  const unwatch = new Map<string, () => void>()
  const startedAt = new Date().toISOString()
  let ready = false
  let failed: string | undefined
  let reloads = 0
  let lastReload: SupervisorState['lastReload']
  let stopping = false

  let writing = Promise.resolve()
  const saveState = () => {
    const state: SupervisorState = {
      pid: process.pid,
      mode,
      startedAt,
      ready,
      ...(failed ? { failed } : {}),
      gateway: { url: gateway.url, ...gatewayConfig(loaded.project) },
      ...(admin && gateway.url ? { dashboard: admin.dashboardUrl(gateway.url) } : {}),
      reloads,
      ...(lastReload ? { lastReload } : {}),
      units: Object.fromEntries(
        [...runners.values()].map((r) => [
          r.name,
          { kind: r.unit.kind, port: r.unit.port, replicas: r.states() },
        ]),
      ),
    }
    writing = writing.then(() => writeState(root, state)).catch(() => undefined)
  }

  const runnerFor = (name: string, unit: Project['services'][string], current: LoadedProject) => {
    const index = Object.keys(current.project.services).indexOf(name)
    return unitRunner({
      root,
      name,
      unit,
      env: replicaEnv(current),
      onLine: (replica, line) => sink.write({ unit: name, replica, index }, line),
      say,
      changed: saveState,
      ...(options.startTimeoutMs ? { startTimeoutMs: options.startTimeoutMs } : {}),
    })
  }
  const startUnit = async (name: string, runner: UnitRunner) => {
    if (stopping) return false
    runners.set(name, runner)
    if (mode === 'dev')
      unwatch.set(
        name,
        watchUnit(join(root, runner.unit.dir), (files) => void restartUnit(name, files)),
      )
    const ok = await runner.start()
    if (!ok)
      say(`${name} did not become ready; see its output above${mode === 'start' ? ' or in .acta/logs/' : ''}`)
    return ok
  }
  const stopUnit = async (name: string) => {
    unwatch.get(name)?.()
    unwatch.delete(name)
    await runners.get(name)?.stop()
    runners.delete(name)
  }

  // one change at a time: a restart, a reload or the stop
  let queue = Promise.resolve()
  const serial = (task: () => Promise<void>) => (queue = queue.then(task, task))

  const restartUnit = (name: string, files: string[]) =>
    serial(async () => {
      const runner = runners.get(name)
      if (!runner || stopping) return
      say(
        `${name}: ${files.slice(0, 3).join(', ') || 'files'} changed; restarting its replicas one at a time`,
      )
      await runner.restart()
    })

  const reload = () =>
    serial(async () => {
      if (stopping) return
      try {
        const next = await loadProject(root)
        const wanted = next.project.services
        const starts: Promise<boolean>[] = []
        for (const [name, runner] of runners)
          if (wanted[name] && !sameProcesses(runner.unit, wanted[name])) {
            say(`${name} changed; restarting it`)
            await stopUnit(name)
          }
        for (const [name, unit] of Object.entries(wanted))
          if (!runners.has(name)) {
            say(
              `starting ${name} (${unit.replicas} replica${unit.replicas > 1 ? 's' : ''} from port ${unit.port})`,
            )
            starts.push(startUnit(name, runnerFor(name, unit, next)))
          }
        await Promise.all(starts)
        loaded = next
        await gateway.apply(routeTable(next.project))
        for (const name of [...runners.keys()])
          if (!wanted[name]) {
            say(`stopping ${name}: it is no longer in acta.json`)
            await stopUnit(name)
          }
        lastReload = { at: new Date().toISOString(), ok: true }
        say(`reloaded acta.json: ${runners.size} unit(s)${gateway.url ? `, gateway on ${gateway.url}` : ''}`)
      } catch (error) {
        lastReload = { at: new Date().toISOString(), ok: false, error: (error as Error).message }
        say(`reload failed, the previous setup stays: ${(error as Error).message}`)
      }
      reloads++
      saveState()
    })

  let finished: (code: number) => void = () => undefined
  const done = new Promise<number>((resolve) => (finished = resolve))
  // not queued behind a start or reload: Ctrl-C must not wait for a replica that never gets ready
  const shutdown = async (code: number) => {
    if (stopping) return
    stopping = true
    say('stopping: the gateway first, then the replicas')
    for (const stop of unwatch.values()) stop()
    await gateway.stop().catch((error: Error) => say(`the gateway did not stop cleanly: ${error.message}`))
    await admin?.stop().catch((error: Error) => say(`the admin API did not stop cleanly: ${error.message}`))
    await Promise.all([...runners.values()].map((runner) => runner.stop()))
    await queue.catch(() => undefined)
    await Promise.all([...runners.values()].map((runner) => runner.stop()))
    saveState()
    await writing
    await removePid(root, process.pid)
    say('stopped')
    await sink.close()
    finished(code)
  }

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      if (signal === 'SIGINT') say('still stopping (replicas get SIGKILL after 15 s)')
      return
    }
    void shutdown(0)
  }
  const onHup = () => void reload()
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('SIGHUP', onHup)

  try {
    say(`starting ${Object.keys(loaded.project.services).length} unit(s) of ${loaded.project.name}`)
    const started = await Promise.all(
      Object.entries(loaded.project.services).map(([name, unit]) =>
        startUnit(name, runnerFor(name, unit, loaded)),
      ),
    )
    if (!started.every(Boolean) && mode === 'start' && !stopping)
      throw new Error('a unit did not become ready')
    if (options.dashboard !== false && !stopping)
      admin = await startAdminUnit({
        ...projectUrls(loaded),
        services: () => gateway.status(),
        // projections and process managers have no routes: the overview probes their replicas itself
        unrouted: () =>
          Object.fromEntries(
            Object.entries(loaded.project.services)
              .filter(([, unit]) => unit.routes.length === 0)
              .map(([name, unit]) => [name, unitUpstreams(unit)]),
          ),
        token: process.env.ACTA_ADMIN_TOKEN,
      })
    await gateway.apply(routeTable(loaded.project))
    ready = !stopping
    saveState()
    if (gateway.url) say(`gateway ready on ${gateway.url}`)
    if (admin && gateway.url) say(`dashboard on ${admin.dashboardUrl(gateway.url)}`)
    else say('no unit has routes: the gateway is not started')
  } catch (error) {
    failed = (error as Error).message
    say(`could not start: ${failed}`)
    saveState()
    void shutdown(1)
  }
  const code = await done
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
  process.off('SIGHUP', onHup)
  return code
}

/** The replicas' environment: acta.json's `env`, the shell's on top, the project's URLs resolved. */
export function replicaEnv(
  loaded: LoadedProject,
  shell: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = { ...loaded.project.env }
  for (const [key, value] of Object.entries(shell)) if (value !== undefined) env[key] = value
  const urls = projectUrls(loaded, shell)
  env.ACTA_DATABASE_URL = urls.databaseUrl
  env.ACTA_TRANSPORT_URL = urls.transportUrl
  return env
}

/** True when two versions of a unit run the same processes (only their routes may differ). */
function sameProcesses(a: Project['services'][string], b: Project['services'][string]): boolean {
  const processes = ({ routes: _routes, ...rest }: Project['services'][string]) => JSON.stringify(rest)
  return processes(a) === processes(b)
}
