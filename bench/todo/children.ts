import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const tsx = import.meta.resolve('tsx')

/** A child process that reported itself over IPC. */
export interface Child<T> {
  readonly info: T
  stop(): Promise<void>
}

/** The todo fleet's gateway and the ids of its processes (the gateway's, then every service's). */
export interface TodoFleetInfo {
  readonly url: string
  readonly pid: number
  readonly services: readonly { name: string; pid: number }[]
}

/** Runs a TypeScript program of this folder in its own process until its first IPC message of `type`. */
async function runChild<T>(file: string, env: Record<string, string>, type: string): Promise<Child<T>> {
  const script = fileURLToPath(new URL(file, import.meta.url))
  const child = spawn(process.execPath, ['--conditions=@acta/source', '--import', tsx, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  const info = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start within 180 s`)), 180_000)
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before it started`)))
    child.on('message', (message: { type?: string }) => {
      if (message.type !== type) return
      clearTimeout(timer)
      resolve(message as T)
    })
  })
  return { info, stop: () => stopChild(child) }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  await exited
  clearTimeout(timer)
}

/** The raw node:http baseline. */
export const rawTodoServer = () => runChild<{ url: string; pid: number }>('./raw-server.ts', {}, 'listening')

/**
 * The todo fleet with `env` (`ACTA_DATABASE_URL`, `ACTA_TRANSPORT_URL`, `TODO_MAIL_DIR`, …), its
 * gateway on a free port.
 */
export const todoFleet = (env: Record<string, string>) =>
  runChild<TodoFleetInfo>('./fleet-process.ts', { LOG_LEVEL: 'warn', ...env }, 'fleet')
