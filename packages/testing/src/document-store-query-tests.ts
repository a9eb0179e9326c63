import type { Collection, Document, FindOptions } from '@acta/core'
import { expect } from 'vitest'
import type { DocumentSuiteContext } from './document-store-suite.js'

/** The ids `find` returns, in order. */
const ids = async (collection: Collection, options?: FindOptions): Promise<string[]> =>
  (await collection.find(options)).map((document) => document.id as string)

/** Puts each document under its own `id` field. */
async function seed(collection: Collection, documents: readonly Document[]): Promise<void> {
  for (const document of documents) await collection.put(document.id as string, document)
}

/** Equality, missing vs null, sorting, paging and counting, with and without declared indexes. */
export function queryTests(ctx: DocumentSuiteContext): void {
  const { test } = ctx
  const todos = () => ctx.store().collection('todos', { indexes: ['owner', 'done', 'meta.priority'] })

  test('finds by equality on a string, a number and a boolean', async () => {
    const c = todos()
    await seed(c, [
      { id: 'a', owner: 'ann', size: 1, done: false },
      { id: 'b', owner: 'bob', size: 2, done: true },
      { id: 'c', owner: 'ann', size: 2, done: true },
      { id: 'd', owner: 'Ann', size: 1.5, done: false },
    ])
    expect(await ids(c, { where: { owner: 'ann' } })).toEqual(['a', 'c'])
    expect(await ids(c, { where: { size: 2 } })).toEqual(['b', 'c'])
    expect(await ids(c, { where: { size: 1.5 } })).toEqual(['d'])
    expect(await ids(c, { where: { done: true } })).toEqual(['b', 'c'])
    expect(await ids(c, { where: { done: false } })).toEqual(['a', 'd'])
    expect(await ids(c, { where: { owner: 'nobody' } })).toEqual([])
  })

  test('finds by several fields at once', async () => {
    const c = todos()
    await seed(c, [
      { id: 'a', owner: 'ann', done: false, list: 'home' },
      { id: 'b', owner: 'ann', done: true, list: 'home' },
      { id: 'c', owner: 'ann', done: true, list: 'work' },
      { id: 'd', owner: 'bob', done: true, list: 'home' },
    ])
    expect(await ids(c, { where: { owner: 'ann', done: true } })).toEqual(['b', 'c'])
    expect(await ids(c, { where: { owner: 'ann', done: true, list: 'home' } })).toEqual(['b'])
    expect(await c.count({ owner: 'ann', done: true, list: 'home' })).toBe(1)
  })

  test('finds by a dotted path into nested objects', async () => {
    const c = todos()
    await seed(c, [
      { id: 'a', meta: { priority: 1, place: { city: 'Oslo' } } },
      { id: 'b', meta: { priority: 2, place: { city: 'Lima' } } },
      { id: 'c', meta: { priority: 1 } },
      { id: 'd', meta: 'not an object' },
      { id: 'e', meta: [{ priority: 1 }] },
      { id: 'f', 'meta.priority': 1 },
    ])
    expect(await ids(c, { where: { 'meta.priority': 1 } })).toEqual(['a', 'c'])
    expect(await ids(c, { where: { 'meta.place.city': 'Lima' } })).toEqual(['b'])
    expect(await ids(c, { where: { 'meta.place.city': 'Lima', 'meta.priority': 1 } })).toEqual([])
    expect(await c.count({ 'meta.priority': 1 })).toBe(2)
  })

  test('matches null only where the field is explicitly null; a missing field matches nothing', async () => {
    const c = todos()
    await seed(c, [
      { id: 'null', owner: null },
      { id: 'missing' },
      { id: 'zero', owner: 0 },
      { id: 'false', owner: false },
      { id: 'empty', owner: '' },
      { id: 'text', owner: 'null' },
      { id: 'nested-null', meta: { priority: null } },
      { id: 'nested-missing', meta: {} },
    ])
    expect(await ids(c, { where: { owner: null } })).toEqual(['null'])
    expect(await ids(c, { where: { owner: 0 } })).toEqual(['zero'])
    expect(await ids(c, { where: { owner: false } })).toEqual(['false'])
    expect(await ids(c, { where: { owner: '' } })).toEqual(['empty'])
    expect(await ids(c, { where: { owner: 'null' } })).toEqual(['text'])
    expect(await ids(c, { where: { 'meta.priority': null } })).toEqual(['nested-null'])
    expect(await c.count({ owner: null })).toBe(1)
    expect(await c.count({ 'meta.priority': null })).toBe(1)
  })

  test('compares by JSON type: a number never equals a string, a boolean or an object', async () => {
    const c = todos()
    await seed(c, [
      { id: 'number', owner: 1 },
      { id: 'float', owner: 1.0 },
      { id: 'string', owner: '1' },
      { id: 'true', owner: true },
      { id: 'object', owner: { a: 1 } },
      { id: 'array', owner: [1] },
      { id: 'text-true', owner: 'true' },
    ])
    expect(await ids(c, { where: { owner: 1 } })).toEqual(['float', 'number'])
    expect(await ids(c, { where: { owner: '1' } })).toEqual(['string'])
    expect(await ids(c, { where: { owner: true } })).toEqual(['true'])
    expect(await ids(c, { where: { owner: 'true' } })).toEqual(['text-true'])
    expect(await ids(c, { where: { owner: '{"a":1}' } })).toEqual([])
    expect(await ids(c, { where: { owner: '[1]' } })).toEqual([])
    expect(await ids(c, { where: { owner: null } })).toEqual([])
  })

  test('sorts numbers numerically', async () => {
    const c = todos()
    const values = [10, 2, -1, 1.5, 100, 0, -20.25, 1e21]
    await seed(
      c,
      values.map((n, i) => ({ id: `n${i}`, n })),
    )
    const sorted = await c.find({ orderBy: [{ field: 'n' }] })
    expect(sorted.map((d) => d.n)).toEqual([-20.25, -1, 0, 1.5, 2, 10, 100, 1e21])
    const descending = await c.find({ orderBy: [{ field: 'n', direction: 'desc' }] })
    expect(descending.map((d) => d.n)).toEqual([1e21, 100, 10, 2, 1.5, 0, -1, -20.25])
  })

  test('sorts strings by code point', async () => {
    const c = todos()
    // by code point; neither a locale's order nor UTF-16 code units ('\uFFFD' sorts before '😀')
    const expected = ['', 'A', 'B', 'Z', '_', 'a', 'aa', 'b', 'z', 'é', 'ü', 'ℹ', '日', '\uFFFD', '😀']
    const shuffled = [...expected].reverse().sort((x, y) => (x.length % 3) - (y.length % 3))
    await seed(
      c,
      shuffled.map((s, i) => ({ id: `s${i}`, s })),
    )
    const sorted = await c.find({ orderBy: [{ field: 's' }] })
    expect(sorted.map((d) => d.s)).toEqual(expected)
    const descending = await c.find({ orderBy: [{ field: 's', direction: 'desc' }] })
    expect(descending.map((d) => d.s)).toEqual([...expected].reverse())
  })

  test('sorts missing and null first, then booleans, numbers, strings, objects and arrays', async () => {
    const c = todos()
    await seed(c, [
      { id: 'a-text', v: 'x' },
      { id: 'b-object', v: { k: 1 } },
      { id: 'c-number', v: 3 },
      { id: 'd-missing' },
      { id: 'e-true', v: true },
      { id: 'f-null', v: null },
      { id: 'g-array', v: [0] },
      { id: 'h-false', v: false },
      { id: 'i-negative', v: -2 },
      { id: 'j-numeric-text', v: '10' },
    ])
    const ascending = [
      'd-missing',
      'f-null',
      'h-false',
      'e-true',
      'i-negative',
      'c-number',
      'j-numeric-text',
      'a-text',
      'b-object',
      'g-array',
    ]
    expect(await ids(c, { orderBy: [{ field: 'v' }] })).toEqual(ascending)
    // descending reverses the values; documents with equal values stay in id order
    expect(await ids(c, { orderBy: [{ field: 'v', direction: 'desc' }] })).toEqual([
      'b-object',
      'g-array',
      'a-text',
      'j-numeric-text',
      'c-number',
      'i-negative',
      'e-true',
      'h-false',
      'd-missing',
      'f-null',
    ])
  })

  test('sorts by several keys in order, then by id', async () => {
    const c = todos()
    await seed(c, [
      { id: 'a', list: 'work', priority: 1 },
      { id: 'b', list: 'home', priority: 1 },
      { id: 'c', list: 'home', priority: 3 },
      { id: 'd', list: 'work', priority: 2 },
      { id: 'e', list: 'home', priority: 3 },
      { id: 'f', list: 'home', priority: 2 },
    ])
    const orderBy = [{ field: 'list' }, { field: 'priority', direction: 'desc' as const }]
    expect(await ids(c, { orderBy })).toEqual(['c', 'e', 'f', 'b', 'd', 'a'])
    expect(await ids(c, { orderBy, where: { list: 'home' }, limit: 2, offset: 1 })).toEqual(['e', 'f'])
  })

  test('sorts by a dotted path', async () => {
    const c = todos()
    await seed(c, [
      { id: 'a', meta: { priority: 10 } },
      { id: 'b', meta: { priority: 9 } },
      { id: 'c', meta: {} },
      { id: 'd', meta: { priority: 10.5 } },
    ])
    expect(await ids(c, { orderBy: [{ field: 'meta.priority' }] })).toEqual(['c', 'b', 'a', 'd'])
  })

  test('orders by id in code point order by default and to break ties', async () => {
    const c = todos()
    const expected = ['1', 'A', 'B', 'a', 'a1', 'b', 'é', '\uFFFD', '😀']
    for (const id of [...expected].reverse()) await c.put(id, { id, same: 1 })
    expect(await ids(c)).toEqual(expected)
    expect(await ids(c, { orderBy: [{ field: 'same' }] })).toEqual(expected)
    expect(await ids(c, { orderBy: [{ field: 'same', direction: 'desc' }] })).toEqual(expected)
  })

  test('pages with limit and offset', async () => {
    const c = todos()
    await seed(
      c,
      Array.from({ length: 10 }, (_, i) => ({ id: `t-${i}`, n: i })),
    )
    const page = (limit: number | undefined, offset: number | undefined) =>
      c.find({ orderBy: [{ field: 'n' }], limit, offset }).then((found) => found.map((d) => d.n))
    expect(await page(3, undefined)).toEqual([0, 1, 2])
    expect(await page(3, 3)).toEqual([3, 4, 5])
    expect(await page(3, 9)).toEqual([9])
    expect(await page(3, 10)).toEqual([])
    expect(await page(0, 0)).toEqual([])
    expect(await page(undefined, 8)).toEqual([8, 9])
    expect(await page(100, 0)).toHaveLength(10)
  })

  test('counts with and without where', async () => {
    const c = todos()
    expect(await c.count()).toBe(0)
    await seed(c, [
      { id: 'a', owner: 'ann', done: true },
      { id: 'b', owner: 'ann', done: false },
      { id: 'c', owner: 'bob', done: true },
    ])
    expect(await c.count()).toBe(3)
    expect(await c.count({})).toBe(3)
    expect(await c.count({ owner: 'ann' })).toBe(2)
    expect(await c.count({ owner: 'ann', done: true })).toBe(1)
    expect(await c.count({ owner: 'carl' })).toBe(0)
  })

  test('finds nothing in a collection that was never written', async () => {
    const c = ctx.store().collection('ghosts', { indexes: ['owner'] })
    expect(await c.find()).toEqual([])
    expect(await c.find({ where: { owner: 'ann' }, orderBy: [{ field: 'owner' }], limit: 5 })).toEqual([])
    expect(await c.count({ owner: 'ann' })).toBe(0)
    expect(await ctx.store().collections()).toEqual([])
  })

  test('finds the same with or without declared indexes, also when indexes are added later', async () => {
    const store = ctx.store()
    const documents = Array.from({ length: 40 }, (_, i) => ({
      id: `t-${String(i).padStart(2, '0')}`,
      owner: ['ann', 'bob', null][i % 3],
      meta: { priority: i % 4 },
      ...(i % 5 === 0 ? {} : { done: i % 2 === 0 }),
    }))
    await seed(store.collection('plain'), documents)
    await seed(store.collection('indexed', { indexes: ['owner', 'meta.priority', 'done'] }), documents)
    const later = store.collection('later')
    await seed(later, documents)
    const query: FindOptions = {
      where: { owner: 'ann', 'meta.priority': 2 },
      orderBy: [{ field: 'done', direction: 'desc' }],
    }
    const expected = await ids(store.collection('plain'), query)
    expect(expected.length).toBeGreaterThan(0)
    const indexed = store.collection('indexed', { indexes: ['owner', 'meta.priority', 'done'] })
    expect(await ids(indexed, query)).toEqual(expected)
    const reindexed = store.collection('later', { indexes: ['owner', 'meta.priority'] })
    await reindexed.put('t-99', { id: 't-99', owner: 'ann', meta: { priority: 2 } })
    expect(await ids(reindexed, query)).toEqual([...expected, 't-99'])
    expect(await store.collection('indexed').count({ owner: null })).toBe(13)
  })
}
