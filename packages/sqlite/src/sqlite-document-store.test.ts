import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { validateFindOptions } from '@acta/core'
import { documentStoreSuite, eventually, sleep } from '@acta/testing'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { findSql } from './document-sql.js'
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

  it('makes a write outside a transaction wait for the transaction instead of joining it', async () => {
    const documents = sqliteDocumentStore({ path: freshPath() })
    const todos = documents.collection('todos')
    let outsideDone = false
    let outside: Promise<void> | undefined
    const failed = await documents
      .transaction(async (tx) => {
        await tx.collection('todos').put('inside', { n: 1 })
        outside = todos.put('outside', { n: 2 }).then(() => void (outsideDone = true))
        await sleep(50)
        expect(outsideDone).toBe(false)
        throw new Error('roll back')
      })
      .catch((error: Error) => error.message)
    expect(failed).toBe('roll back')
    await outside
    expect(await todos.find()).toEqual([{ n: 2 }])
    await documents.close()
  })

  it('serializes the transactions of two processes on one file: no update is lost', async () => {
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
