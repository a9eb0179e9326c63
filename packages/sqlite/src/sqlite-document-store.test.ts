import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { validateFindOptions } from '@acta/core'
import { documentStoreSuite, eventually, expectActaError } from '@acta/testing'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { findSql } from './document-sql.js'
import { sqliteCoordination } from './sqlite-coordination.js'
import { sqliteDocumentStore } from './sqlite-document-store.js'
import { sqliteEventStore } from './sqlite-event-store.js'

const dir = mkdtempSync(join(tmpdir(), 'acta-documents-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const freshPath = () => join(dir, `d-${n++}.db`)
let path = ''

documentStoreSuite('sqlite', {
  create: () => sqliteDocumentStore({ path: (path = freshPath()) }),
  reopen: () => sqliteDocumentStore({ path }),
})

describe('sqlite document store', () => {
  it('finds by a declared field through its expression index', async () => {
    const db = new Database(freshPath())
    const documents = sqliteDocumentStore({ database: db })
    const todos = documents.collection('todos', { indexes: ['owner', 'meta.list'] })
    await todos.put('t-1', { owner: 'ann', meta: { list: 'home' } })
    const plan = (where: Record<string, string | boolean>) => {
      const { sql, params } = findSql('acta_doc_todos', validateFindOptions({ where }))
      const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]
      return rows.map((row) => row.detail).join('; ')
    }
    expect(plan({ owner: 'ann' })).toMatch(/SEARCH acta_doc_todos USING INDEX acta_idx_/)
    expect(plan({ 'meta.list': 'home' })).toMatch(/SEARCH acta_doc_todos USING INDEX acta_idx_/)
    expect(plan({ text: 'x' })).not.toMatch(/acta_idx_/)
    await documents.close()
    expect(db.open).toBe(true)
    db.close()
  })

  it('commits a write outside a transaction at once, apart from the open transaction', async () => {
    const documents = sqliteDocumentStore({ path: freshPath() })
    const todos = documents.collection('todos')
    const failed = await documents
      .transaction(async (tx) => {
        await tx.collection('todos').put('inside', { n: 1 })
        await todos.put('outside', { n: 2 })
        expect(await todos.find()).toEqual([{ n: 2 }])
        throw new Error('roll back')
      })
      .catch((error: Error) => error.message)
    expect(failed).toBe('roll back')
    expect(await todos.find()).toEqual([{ n: 2 }])
    await documents.close()
  })

  it('refuses with CONCURRENCY a commit whose documents changed after it read them, writing nothing', async () => {
    const file = freshPath()
    const a = sqliteDocumentStore({ path: file })
    const b = sqliteDocumentStore({ path: file })
    await a.collection('counters').put('shared', { value: 1 })
    await a.collection('todos').put('t-1', { done: false })
    const changes = [
      () => b.collection('counters').put('shared', { value: 5 }),
      () => b.collection('counters').delete('shared'),
      () => b.collection('counters').put('absent', { value: 1 }),
      () => b.collection('todos').patch('t-1', { done: true }),
    ]
    for (const change of changes) {
      const error = await expectActaError(
        a.transaction(async (tx) => {
          const counters = tx.collection<{ value: number }>('counters')
          const value = (await counters.get('shared'))?.value ?? 0
          await counters.get('absent')
          await tx.collection('todos').patch('t-1', { seen: true })
          await change()
          await counters.put('shared', { value: value + 1 })
          await tx.collection('other').put('o-1', { value })
        }),
        'CONCURRENCY',
      )
      expect(error.details).toHaveProperty('collection')
      expect(await a.collection('other').count()).toBe(0)
      expect(await a.collection('todos').get('t-1')).not.toHaveProperty('seen')
    }
    // what b wrote stands; a wrote nothing
    expect(await a.collection('counters').get('shared')).toBeUndefined()
    expect(await a.collection('todos').get('t-1')).toEqual({ done: true })
    await a.close()
    await b.close()
  })

  it('commits a transaction that only read, and blind writes, whatever changed meanwhile', async () => {
    const file = freshPath()
    const a = sqliteDocumentStore({ path: file })
    const b = sqliteDocumentStore({ path: file })
    await a.collection('todos').put('t-1', { n: 1 })
    const seen = await a.transaction(async (tx) => {
      const read = await tx.collection('todos').get('t-1')
      await b.collection('todos').put('t-1', { n: 2 })
      return read
    })
    expect(seen).toEqual({ n: 1 })
    await a.transaction(async (tx) => {
      await b.collection('todos').put('t-1', { n: 3 })
      await tx.collection('todos').put('t-1', { n: 4 })
    })
    expect(await b.collection('todos').get('t-1')).toEqual({ n: 4 })
    await a.close()
    await b.close()
  })

  it('fences a checkpoint claimed by another owner between the save and the commit', async () => {
    const file = freshPath()
    const a = sqliteDocumentStore({ path: file })
    const b = sqliteDocumentStore({ path: file })
    const { epoch } = await a.claimCheckpoint('todos@1')
    await expectActaError(
      a.transaction(async (tx) => {
        await tx.collection('todos').put('t-1', { n: 1 })
        await tx.saveCheckpoint('todos@1', 10, epoch)
        await b.claimCheckpoint('todos@1')
      }),
      'CONFLICT',
    )
    expect(await b.collection('todos').count()).toBe(0)
    expect(await b.loadCheckpoint('todos@1')).toMatchObject({ position: 0, epoch: epoch + 1 })
    await a.close()
    await b.close()
  })

  it('fails the commit of a transaction whose store closed during its work', async () => {
    const file = freshPath()
    const documents = sqliteDocumentStore({ path: file })
    await expectActaError(
      documents.transaction(async (tx) => {
        await tx.collection('todos').put('t-1', { n: 1 })
        await documents.close()
      }),
      'UNAVAILABLE',
    )
    const reopened = sqliteDocumentStore({ path: file })
    expect(await reopened.collections()).toEqual([])
    await reopened.close()
  })

  it('lets the event store and leases on the same file write while a transaction awaits them', async () => {
    const file = freshPath()
    const documents = sqliteDocumentStore({ path: file })
    const events = sqliteEventStore({ path: file, busyTimeoutMs: 1000 })
    const coordination = sqliteCoordination({ path: file, busyTimeoutMs: 1000 })
    const { epoch } = await documents.claimCheckpoint('todos@1')
    const appended = await documents.transaction(async (tx) => {
      const todos = tx.collection('todos')
      await todos.put('t-1', { text: 'a' })
      const result = await events.append('todo-1', [{ type: 'TodoWasPosted', data: { text: 'b' } }])
      expect(await coordination.leases.acquire('projection', 'me', 60_000)).toBe(true)
      await todos.put('t-2', { text: 'b' })
      expect(await todos.count()).toBe(2)
      await events.append('todo-2', [{ type: 'TodoWasPosted', data: { text: 'c' } }])
      await tx.saveCheckpoint('todos@1', result.position, epoch)
      return result
    })
    expect(await documents.collection('todos').count()).toBe(2)
    expect(await documents.loadCheckpoint('todos@1')).toMatchObject({ position: appended.position })
    expect((await events.readStream('todo-2')).version).toBe(1)
    await coordination.close()
    await events.close()
    await documents.close()
  })

  it('keeps the transactions of two processes on one file from losing an update', async () => {
    const file = freshPath()
    const documents = sqliteDocumentStore({ path: file })
    const count = 40
    const children = ['a', 'b'].map((writer) =>
      startChild({ ACTA_TEST_SQLITE_PATH: file, ACTA_TEST_COUNT: String(count), ACTA_TEST_WRITER: writer }),
    )
    await eventually(() => children.every((c) => c.lines.includes('ready')), 30_000, 'children ready')
    for (const child of children) child.process.stdin.write('go\n')
    expect(await Promise.all(children.map((c) => c.exited))).toEqual([0, 0])
    expect(await documents.collection('counters').get('shared')).toEqual({ value: 2 * count })
    expect(await documents.collection('writes').count()).toBe(2 * count)
    const conflicts = children.flatMap((c) => c.lines.filter((line) => line.startsWith('conflicts ')))
    console.log(`two processes, ${2 * count} transactions, retried: ${conflicts.join(', ')}`)
    await documents.close()
  }, 60_000)

  it('keeps documents and checkpoints in the event store file, beside the log', async () => {
    const file = freshPath()
    const events = sqliteEventStore({ path: file })
    const documents = sqliteDocumentStore({ path: file })
    const { position } = await events.append('todo-1', [{ type: 'TodoWasPosted', data: { text: 'a' } }])
    const { epoch } = await documents.claimCheckpoint('todos@1')
    await documents.transaction(async (tx) => {
      await tx.collection('todos').put('todo-1', { text: 'a' })
      await tx.saveCheckpoint('todos@1', position, epoch)
    })
    expect((await events.readStream('todo-1')).version).toBe(1)
    expect(await documents.loadCheckpoint('todos@1')).toMatchObject({ position })
    await events.close()
    await documents.close()
    const db = new Database(file, { readonly: true })
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .pluck()
      .all()
    expect(tables).toEqual(
      expect.arrayContaining(['acta_events', 'acta_doc_todos', 'acta_projection_checkpoints']),
    )
    db.close()
  })

  it('refuses both a path and a database', () => {
    const db = new Database(':memory:')
    expect(() => sqliteDocumentStore({ path: freshPath(), database: db })).toThrow(/path or a database/)
    db.close()
  })
})

const childScript = fileURLToPath(new URL('./document-child.fixture.ts', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))

function startChild(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--conditions=@acta/source', '--import', 'tsx', childScript], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
  })
  const lines: string[] = []
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => lines.push(...chunk.split('\n')))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0) console.error(stderr)
      resolve(code)
    }),
  )
  return { process: child, lines, exited }
}
