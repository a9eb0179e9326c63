import { randomBytes } from 'node:crypto'
import { validateFindOptions } from '@acta/core'
import { documentStoreSuite, expectActaError, serviceGate } from '@acta/testing'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { findQuery } from './document-sql.js'
import { probePostgres, postgresDocumentStore, type PostgresPool, type PostgresQuery } from './index.js'

const url = process.env.ACTA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const postgres = await serviceGate('PostgreSQL', () => probePostgres(url))
const admin = postgres.available ? new pg.Pool({ connectionString: url, max: 4 }) : undefined
// a quote, a double quote and a non-ASCII letter in every schema name exercise the quoting
const schemas: string[] = []
const freshSchema = (): string => {
  const schema = `acta_docs_${randomBytes(5).toString('hex')}_"it's"_ü`
  schemas.push(schema)
  return schema
}
afterAll(async () => {
  for (const schema of schemas)
    await admin!.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
  await admin?.end()
})

/** A pool that records the text of every statement it runs. */
function recordingPool(pool: pg.Pool): { pool: PostgresPool; statements: string[] } {
  const statements: string[] = []
  const record = (query: PostgresQuery) => statements.push(query.text.trim().split(/\s/)[0]!)
  return {
    statements,
    pool: {
      query: (query) => (record(query), pool.query(query)),
      async connect() {
        const client = await pool.connect()
        return {
          query: (query) => (record(query), client.query(query)),
          release: (error) => client.release(error),
        }
      },
    } as PostgresPool,
  }
}

describe.skipIf(!postgres.available)('postgres document store', () => {
  let schema = ''
  documentStoreSuite('postgres', {
    create: () => postgresDocumentStore({ connectionString: url, schema: (schema = freshSchema()) }),
    reopen: () => postgresDocumentStore({ connectionString: url, schema }),
  })

  describe('adapter', () => {
    it("flushes a transaction's puts in one statement and reads each document once", async () => {
      const recording = recordingPool(admin!)
      const documents = postgresDocumentStore({ pool: recording.pool, schema: freshSchema() })
      const { epoch } = await documents.claimCheckpoint('todos@1')
      await documents.collection('todos').put('seed', { n: 0 })
      recording.statements.length = 0
      await documents.transaction(async (tx) => {
        const todos = tx.collection('todos')
        for (let i = 0; i < 500; i++) await todos.put(`t-${i}`, { n: i })
        await todos.get('seed')
        await todos.patch('seed', { n: 1 })
        expect(await todos.get('seed')).toEqual({ n: 1 })
        await tx.saveCheckpoint('todos@1', 500, epoch)
      })
      expect(recording.statements).toEqual(['BEGIN', 'SELECT', 'UPDATE', 'INSERT', 'COMMIT'])
      expect(await documents.collection('todos').count()).toBe(501)
      await documents.close()
      expect((await admin!.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    })

    it('creates a new collection once when several instances write to it at the same moment', async () => {
      const s = freshSchema()
      const instances = Array.from({ length: 6 }, () =>
        postgresDocumentStore({ connectionString: url, schema: s }),
      )
      await Promise.all(instances.map((documents) => documents.ready()))
      await Promise.all(
        instances.map((documents, i) =>
          i % 2 === 0
            ? documents.collection('todos', { indexes: ['owner'] }).put(`t-${i}`, { owner: 'ann' })
            : documents.transaction((tx) =>
                tx.collection('todos', { indexes: ['owner'] }).put(`t-${i}`, { owner: 'ann' }),
              ),
        ),
      )
      expect(await instances[0]!.collection('todos').count({ owner: 'ann' })).toBe(6)
      const { rows } = await admin!.query<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'acta_doc_todos' ORDER BY indexname`,
        [s],
      )
      expect(rows.map((r) => r.indexname)).toEqual([
        'acta_doc_todos_pkey',
        expect.stringMatching(/^acta_idx_/),
      ])
      await Promise.all(instances.map((documents) => documents.close()))
    })

    it('fails with UNAVAILABLE when PostgreSQL cannot be reached', async () => {
      const documents = postgresDocumentStore({ connectionString: 'postgres://postgres@127.0.0.1:1/none' })
      await expectActaError(documents.collection('todos').get('t-1'), 'UNAVAILABLE')
      await expectActaError(
        documents.transaction((tx) => tx.collection('todos').put('t-1', { a: 1 })),
        'UNAVAILABLE',
      )
      await expectActaError(documents.claimCheckpoint('todos@1'), 'UNAVAILABLE')
      await documents.close()
    })

    it('finds by a declared field through its expression index', async () => {
      const s = freshSchema()
      const documents = postgresDocumentStore({ connectionString: url, schema: s })
      const todos = documents.collection('todos', { indexes: ['owner', 'meta.list'] })
      await documents.transaction(async (tx) => {
        const c = tx.collection('todos', { indexes: ['owner', 'meta.list'] })
        for (let i = 0; i < 2_000; i++)
          await c.put(`t-${i}`, { owner: `u-${i % 100}`, meta: { list: `l-${i % 7}` } })
      })
      await admin!.query(`ANALYZE ${pg.escapeIdentifier(s)}.acta_doc_todos`)
      const plan = async (where: Record<string, string>) => {
        const query = findQuery(`${pg.escapeIdentifier(s)}.acta_doc_todos`, validateFindOptions({ where }))
        const { rows } = await admin!.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${query.text}`, query.values)
        return rows.map((row) => row['QUERY PLAN']).join('\n')
      }
      expect(await plan({ owner: 'u-7' })).toMatch(/Index.* on acta_idx_|Index Scan using acta_idx_/)
      expect(await plan({ 'meta.list': 'l-3', owner: 'u-7' })).toMatch(/acta_idx_/)
      expect(await todos.count({ owner: 'u-7', 'meta.list': 'l-0' })).toBe(3)
      await documents.close()
    })
  })
})
