import type { Document } from '@acta/core'
import { expect } from 'vitest'
import type { DocumentSuiteContext } from './document-store-suite.js'

/** get / put / patch / delete / clear, copies, collections, unicode and size. */
export function documentTests(ctx: DocumentSuiteContext): void {
  const { test } = ctx

  test('gets undefined for a document that was never put', async () => {
    const todos = ctx.store().collection('todos')
    expect(await todos.get('t-1')).toBeUndefined()
  })

  test('puts a document and gets it back', async () => {
    const todos = ctx.store().collection('todos')
    await todos.put('t-1', { text: 'buy milk', done: false })
    expect(await todos.get('t-1')).toEqual({ text: 'buy milk', done: false })
  })

  test('replaces the whole document on put', async () => {
    const todos = ctx.store().collection('todos')
    await todos.put('t-1', { text: 'buy milk', done: false, tags: ['home'] })
    await todos.put('t-1', { text: 'buy oat milk' })
    expect(await todos.get('t-1')).toEqual({ text: 'buy oat milk' })
    expect(await todos.count()).toBe(1)
  })

  test('keeps JSON values as they were put', async () => {
    const todos = ctx.store().collection('todos')
    const document = {
      string: 'quote " backslash \\ newline \n tab \t slash / control \u0001',
      empty: '',
      integer: 42,
      negative: -7,
      float: 0.1 + 0.2,
      big: Number.MAX_SAFE_INTEGER,
      tiny: 5e-324,
      exponent: 1.5e300,
      yes: true,
      no: false,
      nothing: null,
      list: [1, 'two', { three: [3] }, null, []],
      nested: { deeper: { deepest: { value: 'x' } }, empty: {} },
      'key with spaces and.dots': 1,
      'clé ✓': 'ü',
    }
    await todos.put('t-1', document)
    expect(await todos.get('t-1')).toEqual(document)
    expect(await todos.find()).toEqual([document])
  })

  test('patches by shallow merge and returns the merged document', async () => {
    const todos = ctx.store().collection('todos')
    await todos.put('t-1', { text: 'buy milk', done: false, owner: { id: 'u-1', name: 'Ann' } })
    const patched = await todos.patch('t-1', { done: true, owner: { id: 'u-2' } })
    const expected = { text: 'buy milk', done: true, owner: { id: 'u-2' } }
    expect(patched).toEqual(expected)
    expect(await todos.get('t-1')).toEqual(expected)
  })

  test('patches nothing and returns undefined when the document does not exist', async () => {
    const store = ctx.store()
    const todos = store.collection('todos')
    await todos.put('t-1', { text: 'a' })
    expect(await todos.patch('t-2', { done: true })).toBeUndefined()
    expect(await todos.get('t-2')).toBeUndefined()
    expect(await todos.count()).toBe(1)
    expect(await store.collection('never_written').patch('t-1', { done: true })).toBeUndefined()
    expect(await store.collections()).toEqual(['todos'])
  })

  test('deletes a document and reports whether one was deleted', async () => {
    const todos = ctx.store().collection('todos')
    await todos.put('t-1', { text: 'a' })
    await todos.put('t-2', { text: 'b' })
    expect(await todos.delete('t-1')).toBe(true)
    expect(await todos.delete('t-1')).toBe(false)
    expect(await todos.delete('never')).toBe(false)
    expect(await ctx.store().collection('never_written').delete('t-1')).toBe(false)
    expect(await todos.get('t-1')).toBeUndefined()
    expect(await todos.find()).toEqual([{ text: 'b' }])
  })

  test('returns copies: changing an object given or returned changes nothing stored', async () => {
    const todos = ctx.store().collection<Document & { tags: string[]; text: string }>('todos')
    const given = { text: 'a', tags: ['x'] }
    await todos.put('t-1', given)
    given.tags.push('changed after put')
    given.text = 'changed after put'
    const got = (await todos.get('t-1'))!
    got.tags.push('changed after get')
    const patched = (await todos.patch('t-1', { text: 'b' }))!
    patched.tags.push('changed after patch')
    const [found] = await todos.find()
    found!.tags.push('changed after find')
    expect(await todos.get('t-1')).toEqual({ text: 'b', tags: ['x'] })
  })

  test('keeps collections apart', async () => {
    const store = ctx.store()
    await store.collection('todos').put('same', { kind: 'todo' })
    await store.collection('users').put('same', { kind: 'user' })
    expect(await store.collection('todos').get('same')).toEqual({ kind: 'todo' })
    expect(await store.collection('users').find()).toEqual([{ kind: 'user' }])
    await store.collection('todos').clear()
    expect(await store.collection('users').count()).toBe(1)
  })

  test('clears every document of a collection', async () => {
    const todos = ctx.store().collection('todos')
    for (let i = 0; i < 5; i++) await todos.put(`t-${i}`, { i })
    await todos.clear()
    expect(await todos.count()).toBe(0)
    expect(await todos.find()).toEqual([])
    await todos.put('t-9', { i: 9 })
    expect(await todos.find()).toEqual([{ i: 9 }])
    await ctx.store().collection('never_written').clear()
  })

  test('lists the collections written to, by name, and drops one with its documents', async () => {
    const store = ctx.store()
    expect(await store.collections()).toEqual([])
    await store.collection('users').put('u-1', { name: 'Ann' })
    await store.collection('todos').put('t-1', { text: 'a' }) // declared after, listed before
    await store.collection('only_read').get('x')
    await store.collection('only_read').find({ where: { a: 1 }, orderBy: [{ field: 'a' }] })
    expect(await store.collections()).toEqual(['todos', 'users'])
    await store.dropCollection('todos')
    await store.dropCollection('never_written')
    expect(await store.collections()).toEqual(['users'])
    expect(await store.collection('todos').get('t-1')).toBeUndefined()
    expect(await store.collection('todos').count()).toBe(0)
    await store.collection('todos').put('t-2', { text: 'b' })
    expect(await store.collection('todos').find()).toEqual([{ text: 'b' }])
    expect(await store.collections()).toEqual(['todos', 'users'])
  })

  test('stores unicode ids and content exactly', async () => {
    const todos = ctx.store().collection('todos')
    const ids = [
      'ü-1',
      '日本語',
      '😀 emoji',
      'e\u0301 combining',
      'ﬁ ligature',
      'it\'s "quoted" \\ /',
      '\uFFFD',
    ]
    for (const [i, id] of ids.entries()) await todos.put(id, { i, text: `${id} ✓ ∑ 𝄞 Ωmega` })
    for (const [i, id] of ids.entries()) {
      expect(await todos.get(id)).toEqual({ i, text: `${id} ✓ ∑ 𝄞 Ωmega` })
    }
    expect(await todos.get('e\u0301 combining'.normalize('NFC'))).toBeUndefined()
    expect(await todos.find({ where: { text: '😀 emoji ✓ ∑ 𝄞 Ωmega' } })).toEqual([
      { i: 2, text: '😀 emoji ✓ ∑ 𝄞 Ωmega' },
    ])
    expect(await todos.delete('😀 emoji')).toBe(true)
    expect(await todos.count()).toBe(ids.length - 1)
  })

  test('stores a 1 MB document', async () => {
    const todos = ctx.store().collection('todos')
    const big = {
      text: 'x'.repeat(640 * 1024),
      items: Array.from({ length: 12_000 }, (_, i) => ({ i, name: `item ${i} ✓` })),
    }
    expect(JSON.stringify(big).length).toBeGreaterThan(1_000_000)
    await todos.put('big', big)
    expect(await todos.get('big')).toEqual(big)
    expect(await todos.patch('big', { text: 'small' })).toEqual({ ...big, text: 'small' })
  })

  test('accepts an id of 512 characters', async () => {
    const todos = ctx.store().collection('todos')
    const id = 'é'.repeat(512)
    await todos.put(id, { long: true })
    expect(await todos.get(id)).toEqual({ long: true })
  })
}
