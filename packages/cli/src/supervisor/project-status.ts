import { loadProject } from '../project.js'
import { isAlive, readPid, readState, type SupervisorState } from './run-files.js'

/** One replica as `acta status` reports it. */
export interface ReplicaStatus {
  readonly replica: number
  readonly port: number
  readonly pid: number | null
  /** What the supervisor last recorded: starting, ready, restarting, crashed, … */
  readonly state: string
  readonly restarts: number
  /** `/readyz` answered 200 just now. */
  readonly ready: boolean
  /** The status `/readyz` answered, or why it could not be asked. */
  readonly readyz: number | string
}

/** What `acta status --json` prints. */
export interface ProjectStatus {
  readonly project: string
  readonly running: boolean
  readonly pid: number | null
  readonly mode: SupervisorState['mode'] | null
  readonly startedAt: string | null
  readonly uptimeMs: number | null
  readonly gateway: { readonly url: string | null; readonly answers: boolean }
  /** The dashboard through the gateway, with its token (see ACTA_ADMIN_TOKEN). */
  readonly dashboard: string | null
  readonly units: readonly {
    readonly name: string
    readonly kind: string
    readonly replicas: readonly ReplicaStatus[]
  }[]
}

/**
 * Asks the running supervisor's state file, the gateway and every replica's `/readyz` how the project
 * is doing. A project that does not run reports `running: false` and its units from acta.json.
 *
 * @example
 * const status = await projectStatus(root)
 * if (!status.running) console.log('not running')
 */
export async function projectStatus(root: string): Promise<ProjectStatus> {
  const { project } = await loadProject(root)
  const pid = (await readPid(root)) ?? null
  const running = pid !== null && isAlive(pid)
  const state = running ? await readState(root) : undefined
  const current = state?.pid === pid ? state : undefined
  const units = await Promise.all(
    Object.entries(project.services).map(async ([name, unit]) => {
      const recorded = current?.units[name]?.replicas ?? []
      const replicas = await Promise.all(
        Array.from({ length: unit.replicas }, async (_, i): Promise<ReplicaStatus> => {
          const seen = recorded.find((r) => r.replica === i + 1)
          const port = seen?.port ?? unit.port + i
          const readyz = running ? await probe(`http://127.0.0.1:${port}/readyz`) : 'not running'
          return {
            replica: i + 1,
            port,
            pid: seen?.pid ?? null,
            state: seen?.state ?? (running ? 'not started' : 'stopped'),
            restarts: seen?.restarts ?? 0,
            ready: readyz === 200,
            readyz,
          }
        }),
      )
      return { name, kind: unit.kind, replicas }
    }),
  )
  const url = current?.gateway.url ?? null
  return {
    project: project.name,
    running,
    pid: running ? pid : null,
    mode: current?.mode ?? null,
    startedAt: current?.startedAt ?? null,
    uptimeMs: current ? Date.now() - Date.parse(current.startedAt) : null,
    gateway: { url, answers: url !== null && typeof (await probe(`${url}/`)) === 'number' },
    dashboard: current?.dashboard ?? null,
    units,
  }
}

/** The HTTP status of a GET, or the error's code when nothing answered. */
async function probe(url: string): Promise<number | string> {
  try {
    const answer = await fetch(url, { signal: AbortSignal.timeout(2000) })
    await answer.body?.cancel()
    return answer.status
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause
    return cause?.code ?? (error as Error).name
  }
}
