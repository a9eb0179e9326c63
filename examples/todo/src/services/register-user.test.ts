import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openInfrastructure, type Infrastructure } from '@acta/service'
import { afterAll, beforeAll, describe } from 'vitest'
import { registerUserChecks } from './register-user-checks.fixture.js'

// three "processes" on one SQLite file: each has its own connection and handler
const dir = mkdtempSync(join(tmpdir(), 'acta-todo-register-'))
const writers: Infrastructure[] = []
beforeAll(async () => {
  for (let i = 0; i < 3; i++)
    writers.push(
      await openInfrastructure({ databaseUrl: `sqlite:${join(dir, 'acta.db')}`, transportUrl: 'memory' }),
    )
})
afterAll(async () => {
  for (const writer of writers.splice(0)) await writer.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('register-user on SQLite, several writers', () => registerUserChecks(() => writers))
