import { expect } from 'vitest'
import { expectActaError } from './event-store-assertions.js'
import type { DocumentSuiteContext } from './document-store-suite.js'

/**
 * Two instances on one database, as two processes would have. The steps run one after another:
 * better-sqlite3 blocks its event loop while it waits for another connection's write lock.
 */
export function sharedDatabaseTests(ctx: DocumentSuiteContext): void {
  const { test } = ctx

  test("two instances see each other's documents and collections", async () => {
    const a = ctx.store()
    const b = await ctx.reopen()
    await a.collection('todos', { indexes: ['owner'] }).put('t-1', { owner: 'ann' })
    expect(await b.collection('todos').get('t-1')).toEqual({ owner: 'ann' })
    expect(await b.collections()).toEqual(['todos'])
    await b.collection('todos', { indexes: ['owner'] }).put('t-2', { owner: 'ann' })
    expect(await a.collection('todos').count({ owner: 'ann' })).toBe(2)
    await b.transaction(async (tx) => {
      await tx.collection('todos').delete('t-1')
      await tx.collection('users').put('u-1', { name: 'Bob' })
    })
    expect(await a.collection('todos').find()).toEqual([{ owner: 'ann' }])
    expect(await a.collection('users').get('u-1')).toEqual({ name: 'Bob' })
    // a collection dropped through one instance is recreated by the other's next write
    await b.dropCollection('todos')
    expect(await a.collection('todos').count()).toBe(0)
    await a.collection('todos').put('t-3', { owner: 'carl' })
    expect(await b.collection('todos').find()).toEqual([{ owner: 'carl' }])
  })

  test('a claim through one instance fences saves through the other', async () => {
    const a = ctx.store()
    const b = await ctx.reopen()
    const first = await a.claimCheckpoint('todos@1')
    await a.transaction((tx) => tx.saveCheckpoint('todos@1', 10, first.epoch))
    const second = await b.claimCheckpoint('todos@1')
    expect(second).toMatchObject({ position: 10, epoch: first.epoch + 1 })
    await expectActaError(
      a.transaction(async (tx) => {
        await tx.collection('todos').put('t-1', { by: 'a' })
        await tx.saveCheckpoint('todos@1', 20, first.epoch)
      }),
      'CONFLICT',
    )
    expect(await b.collection('todos').get('t-1')).toBeUndefined()
    await b.transaction(async (tx) => {
      await tx.collection('todos').put('t-1', { by: 'b' })
      await tx.saveCheckpoint('todos@1', 30, second.epoch)
    })
    expect(await a.loadCheckpoint('todos@1')).toMatchObject({ position: 30, epoch: second.epoch })
    expect(await a.collection('todos').get('t-1')).toEqual({ by: 'b' })
    await a.resetCheckpoint('todos@1', 5)
    await expectActaError(
      b.transaction((tx) => tx.saveCheckpoint('todos@1', 40, second.epoch)),
      'CONFLICT',
    )
    expect((await b.checkpoints()).map((c) => [c.name, c.position])).toEqual([['todos@1', 5]])
  })

  test("a second instance sees a transaction's writes only once it commits", async () => {
    const a = ctx.store()
    const b = await ctx.reopen()
    await a.collection('todos').put('t-0', { n: 0 })
    const { epoch } = await a.claimCheckpoint('todos@1')
    await a.transaction(async (tx) => {
      await tx.collection('todos').put('t-1', { n: 1 })
      await tx.collection('todos').delete('t-0')
      await tx.saveCheckpoint('todos@1', 50, epoch)
      await tx.setActiveBuild('todos', 1)
      expect(await tx.collection('todos').count()).toBe(1)
      expect(await b.collection('todos').find()).toEqual([{ n: 0 }])
      expect(await b.loadCheckpoint('todos@1')).toMatchObject({ position: 0 })
      expect(await b.activeBuild('todos')).toBeUndefined()
    })
    expect(await b.collection('todos').find()).toEqual([{ n: 1 }])
    expect(await b.loadCheckpoint('todos@1')).toMatchObject({ position: 50 })
    expect(await b.activeBuild('todos')).toBe(1)
  })
}
