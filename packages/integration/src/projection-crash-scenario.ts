import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { openReadInfrastructure } from './read-infrastructure.js'

const childScript = fileURLToPath(new URL('./projection-child.ts', import.meta.url))

function spawnChild(databaseUrl: string): {
  child: ChildProcess
  ready: Promise<void>
  stderr: () => string
} {
  const child = spawn(process.execPath, ['--conditions=@acta/source', '--import', 'tsx', childScript], {
    env: { ...process.env, ACTA_DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let err = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('ready') && resolve())
    child.once('exit', (code) => reject(new Error(`projection child exited with ${code}: ${err}`)))
  })
  ready.catch(() => undefined)
  return { child, ready, stderr: () => err }
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()))

/**
 * Appends `events` events, then runs the projection in a child process killed with SIGKILL
 * `kills` times while it is inside a batch. After each kill the committed documents must match
 * the committed checkpoint exactly (nothing applied twice, nothing half-applied), and after a
 * final run to the head every event counted exactly once.
 */
export async function projectionCrashScenario(
  databaseUrl: string,
  options: { events?: number; kills?: number } = {},
) {
  const events = options.events ?? 3000
  const kills = options.kills ?? 3
  const infra = await openReadInfrastructure(databaseUrl)
  const counts = () => infra.documents.collection<{ count: number }>('crash_counts_b1')
  try {
    for (let i = 0; i < events; i += 50) {
      await infra.store.append(
        `crash-${(i / 50) % 17}`,
        Array.from({ length: 50 }, (_, j) => ({ type: 'Added', data: { n: i + j } })),
      )
    }
    const head = await infra.store.headPosition()
    const report: { killedAt: number; total: number }[] = []
    for (let round = 0; round < kills; round++) {
      const { child, ready, stderr } = spawnChild(databaseUrl)
      await ready
      const before = (await infra.documents.loadCheckpoint('crash@1'))?.position ?? 0
      // wait until this run committed at least one batch, then kill it somewhere inside the next
      const deadline = Date.now() + 60_000
      while (((await infra.documents.loadCheckpoint('crash@1'))?.position ?? 0) <= before) {
        if (Date.now() > deadline) throw new Error(`no progress before the kill: ${stderr()}`)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 40))
      child.kill('SIGKILL')
      await exited(child)
      const position = (await infra.documents.loadCheckpoint('crash@1'))?.position ?? 0
      const total = (await counts().get('total'))?.count ?? 0
      report.push({ killedAt: position, total })
      expect(total, `round ${round}: documents match the checkpoint`).toBe(position)
      if (position >= head) break
    }
    const { child, ready } = spawnChild(databaseUrl)
    await ready
    const deadline = Date.now() + 120_000
    while (((await infra.documents.loadCheckpoint('crash@1'))?.position ?? 0) < head) {
      if (Date.now() > deadline) throw new Error('the last run did not reach the head')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    child.kill('SIGTERM')
    await exited(child)
    expect((await counts().get('total'))?.count).toBe(events)
    let perStream = 0
    for (let s = 0; s < 17; s++) perStream += (await counts().get(`crash-${s}`))?.count ?? 0
    expect(perStream).toBe(events)
    return report
  } finally {
    await infra.close()
  }
}
