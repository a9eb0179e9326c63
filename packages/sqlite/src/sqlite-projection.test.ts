import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { projectionSuite } from '@acta/testing'
import { afterAll } from 'vitest'
import { sqliteCoordination, sqliteDocumentStore, sqliteEventStore } from './index.js'

const dir = mkdtempSync(join(tmpdir(), 'acta-sqlite-projections-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The event store, documents and leases of one file, as a second process would open them. */
const open = (path: string) => {
  const coordination = sqliteCoordination({ path })
  return {
    store: sqliteEventStore({ path }),
    documents: sqliteDocumentStore({ path }),
    leases: coordination.leases,
    dispose: () => coordination.close(),
  }
}

let files = 0
projectionSuite('sqlite', {
  async create() {
    const path = join(dir, `projections-${files++}.db`)
    return { ...open(path), reopen: async () => open(path) }
  },
})
