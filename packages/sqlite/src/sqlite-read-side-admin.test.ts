import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ReadSide } from '@acta/core'
import { createReadSide, defineProjection, readSideAdmin } from '@acta/core'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { sqliteCoordination, sqliteDocumentStore, sqliteEventStore } from './index.js'

const dir = mkdtempSync(join(tmpdir(), 'acta-sqlite-admin-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The stores of one file, as one process opens them. */
const open = (path: string) => {
  const coordination = sqliteCoordination({ path })
  const store = sqliteEventStore({ path })
  const documents = sqliteDocumentStore({ path })
  return {
    store,
    documents,
    leases: coordination.leases,
    close: async () => {
      await documents.close()
      await coordination.close()
      await store.close()
    },
  }
}

const until = async (check: () => Promise<boolean> | boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

let files = 0
describe('read side administration on SQLite, from a second connection', () => {
  const closing: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close()
  })

  const setup = async () => {
    const path = join(dir, `admin-${files++}.db`)
    const service = open(path)
    const cli = open(path)
    closing.push(service.close, cli.close)
    let applied = 0
    const readSide: ReadSide = createReadSide({ ...service, leaseTtlMs: 600, retryDelayMs: 5 })
    readSide.register(
      defineProjection({
        name: 'tally',
        version: 1,
        collections: { tallies: {} },
        handlers: {
          Added: async (event, ctx) => {
            applied++
            const tallies = ctx.collection<{ n: number }>('tallies')
            const n = (await tallies.get(event.streamId))?.n ?? 0
            await tallies.put(event.streamId, { n: n + 1 })
          },
        },
      }),
    )
    closing.push(() => readSide.stop())
    for (let i = 0; i < 30; i++) await service.store.append(`t-${i % 4}`, [{ type: 'Added', data: {} }])
    await readSide.start()
    const admin = readSideAdmin(cli)
    await until(async () => (await admin.get('tally')).state === 'running')
    return { admin, readSide, service, applied: () => applied }
  }

  it('reads the status and stops, starts and resets the projection', async () => {
    // Given a projection another connection runs
    const { admin, readSide, service, applied } = await setup()
    expect(await admin.status()).toEqual([
      expect.objectContaining({ name: 'tally', state: 'running', position: 30, lagEvents: 0 }),
    ])

    // When the admin stops it, events wait; when it starts it, they are applied
    await admin.stop('tally')
    await until(async () => (await admin.get('tally')).state === 'stopped')
    const appended = await service.store.append('t-9', [{ type: 'Added', data: {} }])
    expect(await readSide.waitFor('tally', appended.position, 300)).toBe(false)
    expect((await admin.get('tally')).lagEvents).toBe(1)
    await admin.start('tally')
    expect(await readSide.waitFor('tally', appended.position)).toBe(true)

    // And a reset replays the log into the active build
    expect(applied()).toBe(31)
    await admin.reset('tally')
    await until(() => applied() === 62)
    expect(await readSide.collection<{ n: number }>('tally', 'tallies').get('t-9')).toEqual({ n: 1 })
  })

  it('rebuilds and reports progress until the new build is active', async () => {
    // Given a projection another connection runs
    const { admin, readSide } = await setup()

    // When the admin rebuilds it and watches
    const build = await admin.rebuild('tally')
    const fractions: number[] = []
    const outcome = await admin.watchRebuild('tally', build, (p) => fractions.push(p.fraction), {
      pollMs: 20,
    })

    // Then the new build is active and queries read it
    expect(outcome).toEqual({ ok: true, build: 2 })
    expect(fractions.at(-1)).toBe(1)
    expect(await readSide.collection<{ n: number }>('tally', 'tallies').get('t-0')).toEqual({ n: 8 })
    expect((await admin.get('tally')).activeBuild).toBe(2)
  })

  it('reports the projection offline once its instance stopped', async () => {
    const { admin, readSide } = await setup()
    await readSide.stop()
    expect(await admin.get('tally')).toMatchObject({ state: 'offline', owner: undefined })
  })
})
