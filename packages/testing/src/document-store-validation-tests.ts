import type { Document, FindOptions, Where } from '@acta/core'
import { expect } from 'vitest'
import { expectActaError } from './event-store-assertions.js'
import type { DocumentSuiteContext } from './document-store-suite.js'

const badCollectionNames = [
  '',
  'Todos',
  '1todos',
  '_todos',
  'to-dos',
  'to dos',
  'todos;drop',
  'tödos',
  'a'.repeat(49),
  'todos"',
  42 as unknown as string,
]
const badFieldPaths = [
  '',
  'a..b',
  '.a',
  'a.',
  '1a',
  'a-b',
  "a'b",
  'a b',
  'a[0]',
  'a.b.c.d.e.f.g.h.i',
  '$.a',
  'ä',
]
const badIds = [
  '',
  'x'.repeat(513),
  'nul\0inside',
  'lone \ud800 surrogate',
  7 as unknown as string,
  undefined as unknown as string,
]
const notObjects = [null, [], ['a'], 'text', 42, true, undefined] as unknown as Document[]

/** Bad input fails with a VALIDATION ActaError and writes nothing. */
export function validationTests(ctx: DocumentSuiteContext): void {
  const { test } = ctx

  test('refuses invalid collection names', async () => {
    const store = ctx.store()
    for (const name of badCollectionNames) {
      await expectActaError((async () => store.collection(name).get('x'))(), 'VALIDATION')
      await expectActaError((async () => store.collection(name).put('x', { a: 1 }))(), 'VALIDATION')
      await expectActaError(store.dropCollection(name), 'VALIDATION')
      await expectActaError(
        store.transaction(async (tx) => tx.collection(name).put('x', { a: 1 })),
        'VALIDATION',
      )
    }
    expect(await store.collections()).toEqual([])
    const longest = 'a'.repeat(48)
    await store.collection(longest).put('x', { ok: true })
    expect(await store.collection(longest).get('x')).toEqual({ ok: true })
  })

  test('refuses invalid field paths in where, orderBy and indexes', async () => {
    const store = ctx.store()
    const todos = store.collection('todos')
    await todos.put('t-1', { a: 1 })
    for (const field of badFieldPaths) {
      await expectActaError(todos.find({ where: { [field]: 1 } }), 'VALIDATION')
      await expectActaError(todos.count({ [field]: 1 }), 'VALIDATION')
      await expectActaError(todos.find({ orderBy: [{ field }] }), 'VALIDATION')
      await expectActaError(
        (async () => store.collection('todos', { indexes: [field] }).put('t-2', { a: 2 }))(),
        'VALIDATION',
      )
    }
    await expectActaError(todos.find({ orderBy: [{ field: 'a', direction: 'up' as 'asc' }] }), 'VALIDATION')
    expect(await todos.find()).toEqual([{ a: 1 }])
  })

  test('refuses to compare a field with anything but a JSON scalar of valid Unicode', async () => {
    const todos = ctx.store().collection('todos')
    await todos.put('t-1', { a: 1 })
    const values = [{}, [1], undefined, Number.NaN, Number.POSITIVE_INFINITY, 10n, () => 1, 'lone \udc00']
    for (const value of values) {
      const where = { a: value } as unknown as Where
      await expectActaError(todos.find({ where }), 'VALIDATION')
      await expectActaError(todos.count(where), 'VALIDATION')
    }
  })

  test('refuses invalid ids', async () => {
    const todos = ctx.store().collection('todos')
    await todos.put('t-1', { a: 1 })
    for (const id of badIds) {
      await expectActaError(todos.get(id), 'VALIDATION')
      await expectActaError(todos.put(id, { a: 1 }), 'VALIDATION')
      await expectActaError(todos.patch(id, { a: 1 }), 'VALIDATION')
      await expectActaError(todos.delete(id), 'VALIDATION')
    }
    expect(await todos.count()).toBe(1)
  })

  test('refuses documents and patches that are not JSON objects, writing nothing', async () => {
    const store = ctx.store()
    const todos = store.collection('todos')
    await todos.put('t-1', { a: 1 })
    for (const value of notObjects) {
      await expectActaError(todos.put('t-2', value), 'VALIDATION')
      await expectActaError(todos.patch('t-1', value), 'VALIDATION')
      await expectActaError(todos.patch('missing', value), 'VALIDATION')
      await expectActaError(
        store.transaction(async (tx) => tx.collection('todos').put('t-3', value)),
        'VALIDATION',
      )
    }
    expect(await todos.find()).toEqual([{ a: 1 }])
  })

  test('refuses values JSON cannot hold faithfully, writing nothing', async () => {
    const store = ctx.store()
    const todos = store.collection('todos')
    await todos.put('t-1', { a: 1 })
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    const bad = [
      { n: Number.NaN },
      { n: Number.NEGATIVE_INFINITY },
      { nested: { text: 'nul \0 inside' } },
      { ['key\0']: 1 },
      { big: 10n },
      { fn: () => 1 },
      { list: [1, undefined] },
      { lone: 'half a pair \ud83d here' },
      { ['\ude00']: 'lone low surrogate in a key' },
      cyclic,
    ] as unknown as Document[]
    for (const value of bad) {
      await expectActaError(todos.put('t-2', value), 'VALIDATION')
      await expectActaError(todos.patch('t-1', value), 'VALIDATION')
      await expectActaError(
        store.transaction(async (tx) => tx.collection('todos').put('t-2', value)),
        'VALIDATION',
      )
    }
    expect(await todos.find()).toEqual([{ a: 1 }])
  })

  test('refuses a bad limit or offset', async () => {
    const todos = ctx.store().collection('todos')
    await todos.put('t-1', { a: 1 })
    const bad: FindOptions[] = [
      { limit: -1 },
      { limit: 1.5 },
      { limit: Number.NaN },
      { limit: Number.POSITIVE_INFINITY },
      { limit: '10' as unknown as number },
      { offset: -1 },
      { offset: 0.5 },
      { offset: '1' as unknown as number },
    ]
    for (const options of bad) await expectActaError(todos.find(options), 'VALIDATION')
  })

  test('refuses bad checkpoint names, positions and builds', async () => {
    const store = ctx.store()
    for (const name of ['', 'nul\0inside', 'lone \ud800', 3 as unknown as string]) {
      await expectActaError(store.claimCheckpoint(name), 'VALIDATION')
      await expectActaError(store.loadCheckpoint(name), 'VALIDATION')
      await expectActaError(store.resetCheckpoint(name), 'VALIDATION')
      await expectActaError(store.activeBuild(name), 'VALIDATION')
    }
    const { epoch } = await store.claimCheckpoint('todos@1')
    for (const position of [-1, 1.5, Number.NaN, '3' as unknown as number]) {
      await expectActaError(store.resetCheckpoint('todos@1', position), 'VALIDATION')
      await expectActaError(
        store.transaction((tx) => tx.saveCheckpoint('todos@1', position, epoch)),
        'VALIDATION',
      )
    }
    for (const badEpoch of [-1, 0.5, '1' as unknown as number]) {
      await expectActaError(
        store.transaction((tx) => tx.saveCheckpoint('todos@1', 5, badEpoch)),
        'VALIDATION',
      )
    }
    await expectActaError(
      store.transaction((tx) => tx.setActiveBuild('todos', -1)),
      'VALIDATION',
    )
    expect(await store.loadCheckpoint('todos@1')).toMatchObject({ position: 0, epoch })
    expect(await store.activeBuild('todos')).toBeUndefined()
  })

  test('refuses work once closed', async () => {
    const store = ctx.store()
    await store.collection('todos').put('t-1', { a: 1 })
    await store.close()
    await expectActaError((async () => store.collection('todos').get('t-1'))(), 'UNAVAILABLE')
    await expectActaError(
      store.transaction(async () => undefined),
      'UNAVAILABLE',
    )
    await expectActaError(store.claimCheckpoint('todos@1'), 'UNAVAILABLE')
    await store.close()
  })
}
