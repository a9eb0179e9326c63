import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { StoredEvent } from '@acta/core'
import { expect } from 'vitest'
import { collect, eventually, sleep } from './event-store-assertions.js'
import type { SuiteContext } from './event-store-suite.js'

// the writer sits next to this module: .ts when run from sources, .js when run from dist
const writerScript = fileURLToPath(
  new URL(`./crash-writer${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
)
const batchSize = 5

export function crashTest(ctx: SuiteContext): void {
  ctx.test(
    'crash: a writer killed with SIGKILL mid-append leaves only whole batches, and a subscriber resumes consistently',
    async () => {
      const { store, childEnv } = ctx.underTest()
      const fixture = ctx.options.childFixture
      if (!fixture || !childEnv)
        throw new Error(`${ctx.name}: the crash test needs childFixture and childEnv`)

      const before: StoredEvent[] = []
      const subscription = store.subscribe({ batchSize: 7 })
      const consuming = (async () => {
        for await (const event of subscription) {
          before.push(event)
          if (before.length >= 23) break
        }
      })()

      const child = spawn(process.execPath, ['--conditions=@acta/source', '--import', 'tsx', writerScript], {
        env: {
          ...process.env,
          ...childEnv,
          ACTA_STORE_FIXTURE: fixture,
          ACTA_CRASH_BATCH: String(batchSize),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let reported = 0
      let stderr = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        reported += chunk.split('\n').filter((line) => line.startsWith('batch ')).length
      })
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      )
      try {
        await eventually(
          () => reported >= 60 || child.exitCode !== null,
          60_000,
          'the writer to append batches',
        )
      } catch (error) {
        child.kill('SIGKILL')
        throw new Error(`writer made no progress; stderr: ${stderr}`, { cause: error })
      }
      expect(child.exitCode, `writer died early: ${stderr}`).toBeNull()
      await sleep(Math.random() * 20)
      child.kill('SIGKILL')
      expect(await exited).toBe('SIGKILL')
      // a server may still commit the statement of a client it has not noticed is dead (PostgreSQL
      // does): wait until the log stops growing before judging it
      for (let stable = 0, last = -1; stable < 3;) {
        const head = await store.headPosition()
        stable = head === last ? stable + 1 : 0
        last = head
        await sleep(150)
      }
      await consuming
      const checkpoint = subscription.position
      await subscription.close()

      // every batch in the log is whole: 5 events, one stream, consecutive versions, adjacent in log order
      const log = await collect(store.readAll())
      expect(log.length % batchSize).toBe(0)
      expect(log.length / batchSize).toBeGreaterThanOrEqual(reported)
      for (let i = 0; i < log.length; i += batchSize) {
        const batch = log.slice(i, i + batchSize)
        const id = (batch[0]!.data as { batch: number }).batch
        batch.forEach((event, j) => {
          expect(event.data).toEqual({ batch: id, index: j })
          expect(event.streamId).toBe(batch[0]!.streamId)
          expect(event.streamVersion).toBe(batch[0]!.streamVersion + j)
        })
      }

      // the store takes writes again, and a subscriber resumes from its checkpoint without gap or repeat
      const after = await store.append('after-crash', [{ type: 'Recovered', data: {} }])
      const resumed: StoredEvent[] = []
      const caughtUp = new AbortController()
      for await (const event of store.subscribe({
        after: checkpoint,
        onCaughtUp: () => caughtUp.abort(),
        signal: caughtUp.signal,
      })) {
        resumed.push(event)
      }
      const seen = [...before, ...resumed].map((e) => e.eventId)
      expect(seen).toEqual([...log.map((e) => e.eventId), after.events[0]!.eventId])
    },
    120_000,
  )
}
