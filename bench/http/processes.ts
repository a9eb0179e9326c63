import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { fleetProgram } from '@acta/example-key-value'

const tsx = import.meta.resolve('tsx')

/** A child process that reported its addresses over IPC. */
export interface Child<T> {
  readonly info: T
  stop(): Promise<void>
}

/** Runs a TypeScript program in its own process and waits for its first IPC message of `type`. */
async function runChild<T>(
  script: string,
  env: Record<string, string>,
  type: string,
): Promise<Child<T & { pid: number }>> {
  const child = spawn(process.execPath, ['--conditions=@acta/source', '--import', tsx, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  const info = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 120 s`)), 120_000)
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it started`)))
    child.on('message', (message: { type?: string }) => {
      if (message.type !== type) return
      clearTimeout(timer)
      resolve(message as T)
    })
  })
  return { info: { ...info, pid: child.pid ?? 0 }, stop: () => stopChild(child) }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  await exited
  clearTimeout(timer)
}

/** The raw node:http baseline. */
export function rawServer(): Promise<Child<{ url: string; pid: number }>> {
  return runChild(fileURLToPath(new URL('./raw-server.ts', import.meta.url)), {}, 'listening')
}

/** A minimal node:http reverse proxy in front of `upstreams`: the floor for the gateway. */
export function rawProxy(upstreams: readonly string[]): Promise<Child<{ url: string; pid: number }>> {
  const script = fileURLToPath(new URL('./raw-proxy.ts', import.meta.url))
  return runChild(script, { UPSTREAMS: upstreams.join(',') }, 'listening')
}

export interface FleetInfo {
  /** The gateway. */
  readonly url: string
  /** The process running the gateway. */
  readonly pid: number
  readonly replicas: readonly { name: string; url: string; pid: number }[]
}

/** The `npm start` program: three replicas and the gateway, each in its own process. */
export function fleet(env: Record<string, string>): Promise<Child<FleetInfo>> {
  return runChild(fleetProgram, { PORT: '0', LOG_LEVEL: 'warn', ...env }, 'fleet')
}
