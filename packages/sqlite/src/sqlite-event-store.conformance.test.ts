import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { eventStoreSuite } from '@acta/testing'
import { sqliteEventStore } from './sqlite-event-store.js'

eventStoreSuite('sqlite', {
  create: async (options) => {
    const dir = mkdtempSync(join(tmpdir(), 'acta-sqlite-'))
    const path = join(dir, 'acta.db')
    return {
      store: sqliteEventStore({ path, beforeCommit: options?.beforeCommit }),
      childEnv: { ACTA_TEST_SQLITE_PATH: path },
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    }
  },
  childFixture: fileURLToPath(new URL('./sqlite-store.fixture.ts', import.meta.url)),
})
