import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runDir } from '../project.js'

/** `.acta/acta.pid`: the running supervisor's process id. */
export const pidFile = (root: string) => join(runDir(root), 'acta.pid')
/** `.acta/state.json`: what the supervisor runs (see {@link SupervisorState}). */
export const stateFile = (root: string) => join(runDir(root), 'state.json')
/** `.acta/logs/`: one file per replica, the gateway's and the detached supervisor's. */
export const logsDir = (root: string) => join(runDir(root), 'logs')

/** One replica as the supervisor last saw it. */
export interface ReplicaState {
  readonly replica: number
  readonly port: number
  readonly pid: number | null
  readonly state: 'starting' | 'ready' | 'restarting' | 'crashed' | 'stopping' | 'stopped'
  readonly restarts: number
  readonly startedAt: string | null
}

/** `.acta/state.json`, rewritten on every change. */
export interface SupervisorState {
  readonly pid: number
  readonly mode: 'dev' | 'start'
  readonly startedAt: string
  /** True once every unit was started and the gateway listens. */
  readonly ready: boolean
  /** Set when the start failed: the supervisor is exiting. */
  readonly failed?: string
  readonly gateway: { readonly url: string | null; readonly host: string; readonly port: number }
  /** The dashboard's URL through the gateway, its token in the fragment. */
  readonly dashboard?: string
  /** Completed reloads (SIGHUP), and how the last one ended. */
  readonly reloads: number
  readonly lastReload?: { readonly at: string; readonly ok: boolean; readonly error?: string }
  readonly units: Readonly<
    Record<
      string,
      { readonly kind: string; readonly port: number; readonly replicas: readonly ReplicaState[] }
    >
  >
}

/** True when a process with this id exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The pid in the pid file when that process is alive; undefined otherwise. */
export async function runningSupervisor(root: string): Promise<number | undefined> {
  const pid = await readPid(root)
  return pid !== undefined && isAlive(pid) ? pid : undefined
}

export async function readPid(root: string): Promise<number | undefined> {
  if (!existsSync(pidFile(root))) return undefined
  const pid = Number((await readFile(pidFile(root), 'utf8')).trim())
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
}

export async function writePid(root: string, pid: number): Promise<void> {
  await mkdir(runDir(root), { recursive: true })
  await writeFile(pidFile(root), `${pid}\n`)
}

/** Removes the pid file if it still names `pid` (a newer supervisor's file stays). */
export async function removePid(root: string, pid: number): Promise<void> {
  if ((await readPid(root)) === pid) await rm(pidFile(root), { force: true })
}

export async function readState(root: string): Promise<SupervisorState | undefined> {
  try {
    return JSON.parse(await readFile(stateFile(root), 'utf8')) as SupervisorState
  } catch {
    return undefined
  }
}

/** Writes the state atomically, so a reader never sees half a file. */
export async function writeState(root: string, state: SupervisorState): Promise<void> {
  await mkdir(runDir(root), { recursive: true })
  const temporary = `${stateFile(root)}.${process.pid}.tmp`
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`)
  await rename(temporary, stateFile(root))
}
