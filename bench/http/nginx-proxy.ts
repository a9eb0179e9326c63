// nginx in front of the replicas, with the configuration `nginxConfig` generates from the fleet's
// own route table: what a production deployment puts in front instead of a Node proxy. A private
// master in the foreground, as the current user, with every path under a temporary prefix.
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { nginxConfig } from '@acta/gateway'
import { fleetRouteTable } from '@acta/example-key-value'
import type { Child } from './processes.js'

/** The first runnable nginx (`ACTA_BENCH_NGINX`, then the usual places), or why there is none. */
export async function findNginx(): Promise<{ binary: string } | { problem: string }> {
  const candidates = process.env.ACTA_BENCH_NGINX
    ? [process.env.ACTA_BENCH_NGINX]
    : ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx']
  const failures: string[] = []
  for (const candidate of candidates) {
    try {
      await promisify(execFile)(candidate, ['-v'])
      return { binary: candidate }
    } catch (error) {
      failures.push(`${candidate}: ${(error as Error).message.split('\n')[0]}`)
    }
  }
  return { problem: `no runnable nginx (${failures.join('; ')})` }
}

/**
 * Starts `binary` on a free port in front of `upstreams` with `workers` worker processes. `pids` are
 * the master's and its workers', for CPU accounting; `log` reads its error log so far.
 */
export async function nginxProxy(
  binary: string,
  upstreams: readonly string[],
  workers: number | 'auto',
): Promise<Child<{ url: string; pids: number[]; log(): Promise<string> }>> {
  const prefix = await mkdtemp(join(tmpdir(), 'acta-http-bench-nginx-'))
  const remove = () => rm(prefix, { recursive: true, force: true })
  let stderr = ''
  try {
    await mkdir(join(prefix, 'tmp'))
    const port = await freePort()
    const conf = join(prefix, 'nginx.conf')
    const log = () => readFile(join(prefix, 'error.log'), 'utf8').catch(() => '')
    await writeFile(
      conf,
      nginxConfig(fleetRouteTable(upstreams), {
        listen: `127.0.0.1:${port}`,
        pidFile: join(prefix, 'nginx.pid'),
        errorLog: join(prefix, 'error.log'),
        tempDir: join(prefix, 'tmp'),
        workerProcesses: workers,
      }),
    )
    const master = spawn(binary, ['-c', conf, '-p', `${prefix}/`, '-g', 'daemon off;'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    master.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const exited = once(master, 'exit')
    const stop = async () => {
      if (master.exitCode === null && master.signalCode === null) {
        master.kill('SIGQUIT')
        const timer = setTimeout(() => master.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(timer)
      }
      await remove()
    }
    try {
      const url = `http://127.0.0.1:${port}`
      await waitForPort(port, () => master.exitCode !== null)
      // the master binds before it forks: once a worker has answered, all of them are running
      await (await fetch(`${url}/`)).arrayBuffer()
      const pid = master.pid ?? 0
      return { info: { url, pids: [pid, ...(await childrenOf(pid))], log }, stop }
    } catch (error) {
      const logged = await log()
      await stop()
      throw new Error(`nginx did not start: ${(error as Error).message}\n${stderr}${logged}`, {
        cause: error,
      })
    }
  } catch (error) {
    await remove()
    throw error
  }
}

async function childrenOf(parent: number): Promise<number[]> {
  const pids: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    // fields after the command name: state, ppid, …
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) pids.push(Number(entry))
  }
  return pids
}

/** A port that was free a moment ago: nginx cannot be told to listen on port 0. */
async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function waitForPort(port: number, gaveUp: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false))
      socket.once('connect', () => socket.end())
      setTimeout(() => socket.destroy(), 500).unref()
    })
    if (open) return
    if (gaveUp() || Date.now() > deadline) throw new Error(`port ${port} never opened`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
