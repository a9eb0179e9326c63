import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'

export interface SpawnServiceOptions {
  /** The child's name in errors, e.g. `todo-write-1`. */
  name: string
  /** The module the child runs; it calls {@link reportListening} once it listens. */
  script: string
  /**
   * Node options before the script. To run TypeScript sources:
   * `['--conditions=@acta/source', '--import', import.meta.resolve('tsx')]`. Default none.
   */
  execArgv?: readonly string[]
  /** The child's environment on top of this process's (`PORT: '0'` lets it pick a free port). */
  env?: Readonly<Record<string, string | undefined>>
  /** Working directory of the child: relative SQLite paths resolve there. Default this process's. */
  cwd?: string
  /** Copy the child's output to this process's stderr. Default false: it is kept for `logs()`. */
  echo?: boolean
  /** How long the child may take to listen and answer `/readyz` with 200. Default 60 s. */
  startTimeoutMs?: number
  /** How long `stop()` waits after SIGTERM before SIGKILL. Default 15 s. */
  stopTimeoutMs?: number
  /** Told when the child exits after it was ready and before `stop()` was called (it crashed, was killed). */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void
}

/** A service running in a child process. */
export interface SpawnedService {
  readonly name: string
  /** `http://host:port` the child reported. */
  readonly url: string
  readonly process: ChildProcess
  /** The last 64 KiB of the child's output (its structured log lines). */
  logs(): string
  /** SIGTERM (a graceful stop under `runService`), SIGKILL after `stopTimeoutMs`. Safe to call twice. */
  stop(): Promise<void>
}

const keptOutput = 64 * 1024
const listeningMessage = 'listening'

/**
 * Starts a service in a child process and resolves once it listens (reported over IPC by
 * {@link reportListening}) and its `/readyz` answers 200. The child gets its own process group,
 * so a terminal's Ctrl-C reaches the parent, which stops its children in its own order; a child
 * whose parent dies stops by itself. A child that exits, does not report or does not become ready
 * in time is stopped and the promise rejects with the end of its output.
 *
 * @example
 * const tsx = import.meta.resolve('tsx')
 * const service = await spawnService({
 *   name: 'replica-1',
 *   script: fileURLToPath(new URL('./replica.ts', import.meta.url)),
 *   execArgv: ['--conditions=@acta/source', '--import', tsx],
 *   env: { PORT: '0', ACTA_DATABASE_URL: 'sqlite:.acta/acta.db' },
 * })
 * await fetch(`${service.url}/healthz`)
 * await service.stop()
 */
export async function spawnService(options: SpawnServiceOptions): Promise<SpawnedService> {
  const { name } = options
  const timeoutMs = options.startTimeoutMs ?? 60_000
  const child = spawn(process.execPath, [...(options.execArgv ?? []), options.script], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  })
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-keptOutput)
    if (options.echo) process.stderr.write(chunk)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  let stopped: Promise<void> | undefined
  const stop = () => (stopped ??= stopChild(child, options.stopTimeoutMs ?? 15_000))
  try {
    const url = await listeningUrl(name, child, timeoutMs, () => output)
    await ready(name, url, child, timeoutMs, () => output)
    child.once('exit', (code, signal) => {
      if (stopped === undefined) options.onExit?.(code, signal)
    })
    return { name, url, process: child, logs: () => output, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * Starts several services at once (see {@link spawnService}) and resolves once all are ready;
 * when one fails, the others are stopped and the first failure is thrown.
 *
 * @example
 * const replicas = await spawnServices(['replica-1', 'replica-2'].map((name) => ({ name, script, execArgv })))
 */
export async function spawnServices(list: readonly SpawnServiceOptions[]): Promise<SpawnedService[]> {
  const started = await Promise.allSettled(list.map((options) => spawnService(options)))
  const services = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const failed = started.find((result) => result.status === 'rejected')
  if (failed) {
    await Promise.all(services.map((service) => service.stop()))
    throw failed.reason
  }
  return services
}

/**
 * In a child started by {@link spawnService}: tells the parent where the service listens, and
 * stops the process gracefully (SIGTERM) when the parent goes away. Does nothing in a process
 * that was not started with an IPC channel.
 *
 * @example
 * const running = await runService(service)
 * reportListening(running)
 */
export function reportListening(running: { readonly url: string }): void {
  if (!process.send) return
  process.send({ type: listeningMessage, url: running.url })
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'))
}

async function listeningUrl(
  name: string,
  child: ChildProcess,
  timeoutMs: number,
  logs: () => string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      cleanUp()
      reject(new Error(`${name} ${reason}\n${logs().slice(-4000)}`))
    }
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs)
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`exited (${signal ?? code}) before listening`)
    const onMessage = (message: { type?: string; url?: string }) => {
      if (message.type !== listeningMessage || typeof message.url !== 'string') return
      cleanUp()
      resolve(message.url)
    }
    const cleanUp = () => {
      clearTimeout(timer)
      child.off('exit', onExit)
      child.off('message', onMessage)
    }
    child.on('exit', onExit)
    child.on('message', onMessage)
  })
}

async function ready(
  name: string,
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  logs: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `${name} exited (${child.signalCode ?? child.exitCode}) before it was ready\n${logs().slice(-4000)}`,
      )
    const status = await fetch(`${url}/readyz`).then(
      (res) => res.body?.cancel().then(() => res.status) ?? res.status,
      () => 0,
    )
    if (status === 200) return
    if (Date.now() > deadline)
      throw new Error(`${name} (${url}) was not ready within ${timeoutMs} ms\n${logs().slice(-4000)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  await exited
  clearTimeout(timer)
}
