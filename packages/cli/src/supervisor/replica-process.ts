import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { lineReader } from './log-sink.js'

/** How to run one replica of a unit. */
export interface ReplicaSpec {
  readonly root: string
  /** The unit's entry module, relative to the project root. */
  readonly entry: string
  readonly port: number
  readonly env: Readonly<Record<string, string>>
  readonly onLine: (line: string) => void
}

/** A started replica process. */
export interface ReplicaProcess {
  readonly pid: number | undefined
  readonly child: ChildProcess
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves once it has exited. */
  stop(timeoutMs: number): Promise<void>
}

// Run in every replica before its code: when the supervisor's IPC channel closes (the supervisor
// died without stopping it, even by SIGKILL), the replica stops itself gracefully instead of
// lingering on its port. Its stdout and stderr died with the supervisor, and a graceful stop that
// logs into them hangs, so they are pointed at /dev/null first (open takes the lowest free
// descriptor). The channel is unreferenced so it never keeps a replica alive.
const orphanGuard =
  'data:text/javascript,' +
  encodeURIComponent(`import { closeSync, openSync } from 'node:fs'
process.channel?.unref()
process.once('disconnect', () => {
  for (const fd of [1, 2]) {
    try { closeSync(fd); openSync('/dev/null', 'w') } catch {}
  }
  process.kill(process.pid, 'SIGTERM')
})`)

/** tsx from the project when it is installed there, else the one this CLI runs with. */
function tsxLoader(root: string): string {
  return existsSync(join(root, 'node_modules', 'tsx', 'package.json')) ? 'tsx' : import.meta.resolve('tsx')
}

/**
 * Starts a replica: `node --conditions=@acta/source --import tsx <entry>` in the project root, in its
 * own process group (a Ctrl-C in the terminal reaches the supervisor, which stops the replicas in
 * order), its output handed over line by line.
 */
export function startReplicaProcess(spec: ReplicaSpec): ReplicaProcess {
  const child = spawn(
    process.execPath,
    ['--conditions=@acta/source', '--import', tsxLoader(spec.root), '--import', orphanGuard, spec.entry],
    {
      cwd: spec.root,
      env: { ...spec.env, PORT: String(spec.port) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    },
  )
  const out = lineReader(spec.onLine)
  const err = lineReader(spec.onLine)
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk))
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (error) => {
      spec.onLine(`could not start: ${error.message}`)
      resolve({ code: 1, signal: null })
    })
    child.once('close', (code, signal) => {
      out.end()
      err.end()
      resolve({ code, signal })
    })
  })
  const stop = async (timeoutMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return void (await exited)
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    await exited
    clearTimeout(timer)
  }
  return { pid: child.pid, child, exited, stop }
}

/**
 * Polls `GET <url>/readyz` until it answers 200. Resolves true when ready, false when `gone`
 * resolves first (the process exited) or after `timeoutMs`.
 */
export async function waitReady(url: string, gone: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let exited = false
  void gone.then(() => (exited = true))
  const deadline = Date.now() + timeoutMs
  while (!exited && Date.now() < deadline) {
    try {
      const answer = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) })
      await answer.body?.cancel()
      if (answer.status === 200) return true
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150))
  }
  return false
}
