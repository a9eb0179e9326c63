import { expect } from 'vitest'
import type { DocumentSuiteContext } from './document-store-suite.js'

class Boom extends Error {}

/** All or nothing, and a transaction reads its own pending writes. */
export function transactionTests(ctx: DocumentSuiteContext): void {
  const { test } = ctx

  test('commits every write of a transaction together and returns the result of the work', async () => {
    const store = ctx.store()
    await store.collection('todos').put('old', { text: 'old' })
    const { epoch } = await store.claimCheckpoint('todos@1')
    const result = await store.transaction(async (tx) => {
      await tx.collection('todos').put('t-1', { text: 'a' })
      await tx.collection('todos').put('t-2', { text: 'b' })
      await tx.collection('todos').delete('old')
      await tx.collection('users').put('u-1', { name: 'Ann' })
      await tx.saveCheckpoint('todos@1', 17, epoch)
      await tx.setActiveBuild('todos', 1)
      return 'done'
    })
    expect(result).toBe('done')
    expect(await store.collection('todos').find()).toEqual([{ text: 'a' }, { text: 'b' }])
    expect(await store.collection('users').get('u-1')).toEqual({ name: 'Ann' })
    expect(await store.loadCheckpoint('todos@1')).toMatchObject({ position: 17, epoch })
    expect(await store.activeBuild('todos')).toBe(1)
    expect(await store.collections()).toEqual(['todos', 'users'])
  })

  test('rolls back every write when the work throws, and rethrows its error', async () => {
    const store = ctx.store()
    const todos = store.collection('todos')
    await todos.put('keep', { text: 'keep', done: false })
    await todos.put('gone', { text: 'gone' })
    await store.collection('lists').put('l-1', { name: 'home' })
    const { epoch } = await store.claimCheckpoint('todos@1')
    const boom = new Boom('handler failed')
    const failed = await store
      .transaction(async (tx) => {
        await tx.collection('todos').put('new', { text: 'new' })
        await tx.collection('todos').patch('keep', { done: true })
        await tx.collection('todos').delete('gone')
        await tx.collection('lists').clear()
        await tx.collection('created_in_tx').put('x', { a: 1 })
        await tx.saveCheckpoint('todos@1', 99, epoch)
        await tx.setActiveBuild('todos', 1)
        throw boom
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    expect(failed).toBe(boom)
    expect(await todos.find()).toEqual([{ text: 'gone' }, { text: 'keep', done: false }])
    expect(await store.collection('lists').count()).toBe(1)
    expect(await store.collection('created_in_tx').get('x')).toBeUndefined()
    expect(await store.collections()).toEqual(['lists', 'todos'])
    expect(await store.loadCheckpoint('todos@1')).toMatchObject({ position: 0, epoch })
    expect(await store.activeBuild('todos')).toBeUndefined()
    // the store works on after a rollback
    await store.transaction(async (tx) => tx.collection('todos').put('after', { text: 'after' }))
    expect(await todos.count()).toBe(3)
  })

  test('sees its own pending writes inside the transaction', async () => {
    const store = ctx.store()
    await store.collection('todos').put('committed', { owner: 'ann', n: 5 })
    await store.collection('todos').put('deleted', { owner: 'ann', n: 9 })
    await store.transaction(async (tx) => {
      const todos = tx.collection('todos', { indexes: ['owner'] })
      await todos.put('t-1', { owner: 'ann', n: 1 })
      expect(await todos.get('t-1')).toEqual({ owner: 'ann', n: 1 })
      expect(await todos.patch('t-1', { n: 2 })).toEqual({ owner: 'ann', n: 2 })
      expect(await todos.patch('committed', { n: 3 })).toEqual({ owner: 'ann', n: 3 })
      expect(await todos.delete('deleted')).toBe(true)
      expect(await todos.get('deleted')).toBeUndefined()
      expect(await todos.delete('deleted')).toBe(false)
      expect(await todos.patch('deleted', { n: 1 })).toBeUndefined()
      expect(await todos.count()).toBe(2)
      expect(await todos.count({ owner: 'ann', n: 3 })).toBe(1)
      const found = await todos.find({ where: { owner: 'ann' }, orderBy: [{ field: 'n' }] })
      expect(found).toEqual([
        { owner: 'ann', n: 2 },
        { owner: 'ann', n: 3 },
      ])
      // writes after a find are seen by the next read too
      await todos.put('t-2', { owner: 'ann', n: 0 })
      await todos.delete('t-1')
      expect(await todos.find({ orderBy: [{ field: 'n' }] })).toEqual([
        { owner: 'ann', n: 0 },
        { owner: 'ann', n: 3 },
      ])
      expect(await tx.collection('todos').get('t-2')).toEqual({ owner: 'ann', n: 0 })
      const fresh = tx.collection('fresh')
      await fresh.put('f-1', { ok: true })
      expect(await fresh.find()).toEqual([{ ok: true }])
      expect(await fresh.count({ ok: true })).toBe(1)
    })
    expect(await store.collection('todos').find({ orderBy: [{ field: 'n' }] })).toEqual([
      { owner: 'ann', n: 0 },
      { owner: 'ann', n: 3 },
    ])
    expect(await store.collection('fresh').get('f-1')).toEqual({ ok: true })
  })

  test('sees a clear and the writes after it inside the transaction', async () => {
    const store = ctx.store()
    const todos = store.collection('todos')
    await todos.put('a', { n: 1 })
    await todos.put('b', { n: 2 })
    await store.transaction(async (tx) => {
      const c = tx.collection('todos')
      expect(await c.get('a')).toEqual({ n: 1 })
      await c.clear()
      expect(await c.get('a')).toBeUndefined()
      expect(await c.get('b')).toBeUndefined()
      expect(await c.count()).toBe(0)
      await c.put('c', { n: 3 })
      await c.put('a', { n: 4 })
      expect(await c.get('a')).toEqual({ n: 4 })
      expect(await c.get('b')).toBeUndefined()
      expect(await c.find()).toEqual([{ n: 4 }, { n: 3 }])
      expect(await c.count()).toBe(2)
      expect(await c.delete('b')).toBe(false)
      expect(await c.patch('b', { n: 5 })).toBeUndefined()
    })
    expect(await todos.find()).toEqual([{ n: 4 }, { n: 3 }])
  })

  test('returns copies inside a transaction too', async () => {
    const store = ctx.store()
    await store.transaction(async (tx) => {
      const todos = tx.collection('todos')
      const given = { tags: ['x'] }
      await todos.put('t-1', given)
      given.tags.push('changed after put')
      const got = (await todos.get('t-1')) as { tags: string[] }
      got.tags.push('changed after get')
      const [found] = (await todos.find()) as { tags: string[] }[]
      found!.tags.push('changed after find')
      expect(await todos.get('t-1')).toEqual({ tags: ['x'] })
    })
    expect(await store.collection('todos').get('t-1')).toEqual({ tags: ['x'] })
  })

  test('makes writes outside a transaction visible at once', async () => {
    const store = ctx.store()
    const todos = store.collection('todos')
    await todos.put('t-1', { owner: 'ann' })
    expect(await todos.get('t-1')).toEqual({ owner: 'ann' })
    expect(await todos.find({ where: { owner: 'ann' } })).toEqual([{ owner: 'ann' }])
    expect(await todos.count({ owner: 'ann' })).toBe(1)
    await todos.patch('t-1', { owner: 'bob' })
    expect(await todos.count({ owner: 'bob' })).toBe(1)
    await todos.delete('t-1')
    expect(await todos.count()).toBe(0)
    const inTx = await store.transaction((tx) => tx.collection('todos').get('t-1'))
    expect(inTx).toBeUndefined()
  })

  test('commits 2,000 puts in one transaction', async () => {
    const store = ctx.store()
    await store.transaction(async (tx) => {
      const todos = tx.collection('todos', { indexes: ['group'] })
      for (let i = 0; i < 2_000; i++) {
        await todos.put(`t-${String(i).padStart(4, '0')}`, { i, group: i % 10, text: `todo ${i}` })
      }
      expect(await todos.count()).toBe(2_000)
      expect(await todos.count({ group: 3 })).toBe(200)
    })
    const todos = store.collection('todos')
    expect(await todos.count()).toBe(2_000)
    expect(await todos.get('t-1999')).toEqual({ i: 1999, group: 9, text: 'todo 1999' })
    const last = await todos.find({ orderBy: [{ field: 'i', direction: 'desc' }], limit: 2 })
    expect(last.map((d) => d.i)).toEqual([1999, 1998])
  })

  test('runs one transaction after another on the same instance', async () => {
    const store = ctx.store()
    const add = (i: number) =>
      store.transaction(async (tx) => {
        await tx.collection('todos').put(`t-${i}`, { i })
        return i
      })
    expect(await Promise.all([add(1), add(2), add(3)])).toEqual([1, 2, 3])
    expect(await store.collection('todos').count()).toBe(3)
  })
}
