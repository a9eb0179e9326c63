import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe } from 'vitest'
import { todoFleetChecks } from './fleet-checks.fixture.js'
import { startTodoFleet } from './fleet.js'

// every service as its own process behind the gateway, on SQLite files and the local transport in a temp dir
const dir = mkdtempSync(join(tmpdir(), 'acta-todo-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the todo fleet on SQLite and the local transport', () => {
  todoFleetChecks((env) =>
    startTodoFleet({
      cwd: dir,
      replicas: { 'todo-read': 2 },
      env: {
        ...env,
        ACTA_DATABASE_URL: `sqlite:${join(dir, 'acta.db')}`,
        ACTA_TRANSPORT_URL: `sqlite:${join(dir, 'transport.db')}`,
      },
    }),
  )
})
