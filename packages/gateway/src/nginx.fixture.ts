import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { nginxConfig } from './nginx-config.js'
import type { RouteTable } from './route-table.js'

const run = promisify(execFile)

/** An nginx master run by the test, as the current user, with every path in a temporary prefix. */
export interface TestNginx {
  readonly url: string
  /** Writes the config for `table` and signals a reload (`nginx -s reload`). */
  reload(table: RouteTable): Promise<void>
  /** The error log so far, for failure messages. */
  log(): Promise<string>
  stop(): Promise<void>
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Starts `binary` in the foreground (`daemon off`) on a free port with the config of `table`. */
export async function startNginx(binary: string, table: RouteTable): Promise<TestNginx> {
  const prefix = await mkdtemp(join(tmpdir(), 'acta-nginx-'))
  await mkdir(join(prefix, 'tmp'))
  const conf = join(prefix, 'nginx.conf')
  const port = await freePort()
  const write = (next: RouteTable) =>
    writeFile(
      conf,
      nginxConfig(next, {
        listen: `127.0.0.1:${port}`,
        pidFile: join(prefix, 'nginx.pid'),
        errorLog: join(prefix, 'error.log'),
        tempDir: join(prefix, 'tmp'),
        workerProcesses: 2,
      }),
    )
  const log = () => readFile(join(prefix, 'error.log'), 'utf8').catch(() => '')
  await write(table)
  await run(binary, ['-t', '-q', '-c', conf, '-p', `${prefix}/`])

  const master: ChildProcess = spawn(binary, ['-c', conf, '-p', `${prefix}/`, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  master.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = once(master, 'exit')
  await waitForPort(port, () => master.exitCode !== null).catch(async (error: Error) => {
    master.kill('SIGKILL')
    throw new Error(`nginx did not start: ${error.message}\n${stderr}${await log()}`)
  })

  return {
    url: `http://127.0.0.1:${port}`,
    async reload(next) {
      await write(next)
      await run(binary, ['-c', conf, '-p', `${prefix}/`, '-s', 'reload'])
    },
    log,
    async stop() {
      if (master.exitCode === null) {
        master.kill('SIGQUIT')
        await exited
      }
      await rm(prefix, { recursive: true, force: true })
    },
  }
}

async function waitForPort(port: number, gaveUp: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false))
      socket.once('close', () => socket.destroy())
      setTimeout(() => socket.destroy(), 500).unref()
      socket.once('connect', () => socket.end())
    })
    if (open) return
    if (gaveUp() || Date.now() > deadline) throw new Error(`port ${port} never opened`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
