import { expect } from 'vitest'
import { collect, expectActaError } from './event-store-assertions.js'
import type { SuiteContext } from './event-store-suite.js'

const ev = (type: string, data: unknown = {}) => ({ type, data })

export function managementTests(ctx: SuiteContext): void {
  const { test } = ctx

  test('soft-deletes a stream: hidden from reads, kept in the log, recreated with numbering continued', async () => {
    const store = ctx.store()
    await store.append('doomed', [ev('A'), ev('B')])
    await store.append('kept', [ev('K')])
    await store.deleteStream('doomed')
    expect(await store.readStream('doomed')).toEqual({
      streamId: 'doomed',
      events: [],
      version: 2,
      exists: false,
    })
    expect(await store.streamInfo('doomed')).toMatchObject({ version: 2, exists: false, deleted: true })
    expect((await collect(store.readAll())).map((e) => e.type)).toEqual(['A', 'B', 'K'])
    await expectActaError(
      store.append('doomed', [ev('X')], { expectedVersion: 'stream-exists' }),
      'CONCURRENCY',
    )
    const recreated = await store.append('doomed', [ev('C')], { expectedVersion: 'no-stream' })
    expect(recreated.version).toBe(3)
    const after = await store.readStream('doomed')
    expect(after.exists).toBe(true)
    expect(after.events.map((e) => [e.type, e.streamVersion])).toEqual([['C', 3]])
    expect((await store.streamInfo('doomed')).deleted).toBe(false)
  })

  test('deletes a stream only at the expected version', async () => {
    const store = ctx.store()
    await store.append('s', [ev('A'), ev('B')])
    const error = await expectActaError(store.deleteStream('s', { expectedVersion: 1 }), 'CONCURRENCY')
    expect(error).toMatchObject({ actualVersion: 2 })
    expect((await store.readStream('s')).exists).toBe(true)
    await store.deleteStream('s', { expectedVersion: 2 })
    expect((await store.readStream('s')).exists).toBe(false)
  })

  test('truncates a stream before a version', async () => {
    const store = ctx.store()
    await store.append('s', [ev('A'), ev('B'), ev('C'), ev('D')])
    await store.truncateStream('s', 3)
    const read = await store.readStream('s')
    expect(read.events.map((e) => e.streamVersion)).toEqual([3, 4])
    expect(read).toMatchObject({ version: 4, exists: true })
    expect(
      (await store.readStream('s', { direction: 'backwards' })).events.map((e) => e.streamVersion),
    ).toEqual([4, 3])
    expect((await store.streamInfo('s')).truncateBefore).toBe(3)
    expect((await store.append('s', [ev('E')], { expectedVersion: 4 })).version).toBe(5)
    expect(await collect(store.readAll())).toHaveLength(5)
  })

  test('stores and replaces stream metadata', async () => {
    const store = ctx.store()
    expect((await store.streamInfo('s')).metadata).toEqual({})
    await store.setStreamMetadata('s', { owner: 'team-a', retention: { days: 30 } })
    expect(await store.streamInfo('s')).toMatchObject({
      version: 0,
      exists: false,
      metadata: { owner: 'team-a', retention: { days: 30 } },
    })
    await store.append('s', [ev('A')], { expectedVersion: 'no-stream' })
    await store.setStreamMetadata('s', { owner: 'team-b' })
    expect(await store.streamInfo('s')).toMatchObject({
      version: 1,
      exists: true,
      metadata: { owner: 'team-b' },
    })
  })

  test('saves and loads snapshots by stream and version', async () => {
    const store = ctx.store()
    expect(await store.loadSnapshot('s')).toBeUndefined()
    await store.saveSnapshot('s', { version: 10, state: { total: 10 } })
    await store.saveSnapshot('s', { version: 20, state: { total: 20, tags: ['x'] }, schemaVersion: 2 })
    await store.saveSnapshot('other', { version: 5, state: 'other' })
    const newest = await store.loadSnapshot<{ total: number }>('s')
    expect(newest).toMatchObject({ version: 20, state: { total: 20, tags: ['x'] }, schemaVersion: 2 })
    expect(newest!.createdAt).toBeInstanceOf(Date)
    expect(await store.loadSnapshot('s', { maxVersion: 15 })).toMatchObject({ version: 10, schemaVersion: 1 })
    expect(await store.loadSnapshot('s', { maxVersion: 9 })).toBeUndefined()
    await store.saveSnapshot('s', { version: 20, state: { total: 21 } })
    expect((await store.loadSnapshot('s'))!.state).toEqual({ total: 21 })
    await expectActaError(store.saveSnapshot('s', { version: 0, state: {} }), 'VALIDATION')
    await expectActaError(store.saveSnapshot('s', { version: 1, state: { f: () => 1 } }), 'VALIDATION')
  })
}
