import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const script = fileURLToPath(new URL('./run-service.fixture.ts', import.meta.url))
const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

/** Starts the fixture; resolves with its URL once it logged "listening". */
async function start(slowMs: number) {
  const child = spawn(process.execPath, ['--conditions=@acta/source', '--import', 'tsx', script], {
    env: {
      ...process.env,
      PORT: '0',
      ACTA_DATABASE_URL: 'memory',
      ACTA_TRANSPORT_URL: 'memory',
      LOG_LEVEL: 'info',
      SLOW_MS: String(slowMs),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(child)
  const lines: { msg?: string; url?: string }[] = []
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  let buffered = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk
    const parts = buffered.split('\n')
    buffered = parts.pop() ?? ''
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part) as { msg?: string })
  })
  await expect.poll(() => lines.find((line) => line.msg === 'listening'), { timeout: 20_000 }).toBeDefined()
  const url = lines.find((line) => line.msg === 'listening')!.url!
  const logged = (msg: string) =>
    expect.poll(() => lines.some((line) => line.msg === msg), { timeout: 10_000 }).toBe(true)
  return { child, url, lines, exited, logged }
}

describe('runService', () => {
  it('stops gracefully on SIGTERM: the in-flight request is answered, then the process exits 0', async () => {
    const { child, url, lines, exited, logged } = await start(300)
    const slow = fetch(`${url}/slow`)
    await expect
      .poll(async () => (await fetch(`${url}/metrics`)).text())
      .toMatch(/http_requests_in_flight\{[^}]*\} 2/)
    child.kill('SIGTERM')
    await logged('signal received: stopping gracefully')
    const res = await slow
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ done: true })
    expect(await exited).toBe(0)
    expect(lines.map((line) => line.msg)).toContain('stopped')
  }, 30_000)

  it('exits at once with code 1 on a second signal', async () => {
    const { child, url, exited, logged } = await start(60_000)
    void fetch(`${url}/slow`).catch(() => undefined)
    await expect
      .poll(async () => (await fetch(`${url}/metrics`)).text())
      .toMatch(/http_requests_in_flight\{[^}]*\} 2/)
    child.kill('SIGTERM')
    await logged('closing the listener; finishing in-flight requests')
    child.kill('SIGINT')
    expect(await exited).toBe(1)
  }, 30_000)
})
