import type { QueueStatus } from '@acta/core'
import { parkMessage } from '@acta/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from '../run-cli.fixture.js'
import { sqliteProject, type SqliteProject } from '../sqlite-project.fixture.js'

describe('acta queues', () => {
  let project: SqliteProject
  const acta = (...argv: string[]) => project.inside(() => cli(argv))

  beforeAll(async () => {
    // Given a command queue with one parked message and two waiting, and a group nobody consumes
    project = await sqliteProject()
    const { transport } = project.infrastructure
    await parkMessage(transport, 'todo-write', { type: 'post-todo', data: {} })
    await (await transport.subscribe(['todo.*'], () => undefined, { group: 'mailer' })).close()
    await transport.send('todo-write', { type: 'post-todo', data: {} })
    await transport.send('todo-write', { type: 'post-todo', data: {} })
    await transport.publish('todo.TodoWasPosted', { type: 'TodoWasPosted', data: {} })
  })
  afterAll(() => project.close())

  it('lists every durable queue as JSON, as the admin API does', async () => {
    const { code, stdout } = await acta('queues', 'list', '--json')
    expect(code).toBe(0)
    const { queues } = JSON.parse(stdout) as { queues: QueueStatus[] }
    expect(queues).toEqual([
      { queue: 'group.mailer', ready: 1, consumers: 0, parked: 0 },
      { queue: 'todo-write', ready: 2, consumers: 0, parked: 1 },
    ])
  })

  it('prints a table that marks a queue whose messages nobody takes', async () => {
    const { code, stdout } = await acta('queues', 'list')
    expect(code).toBe(0)
    const lines = stdout.trim().split('\n')
    expect(lines[0]).toMatch(/queue\s+waiting\s+consumers\s+parked/)
    expect(lines.find((line) => line.startsWith('todo-write'))).toMatch(/2\s+0 \(none to take them\)\s+1$/)
  })
})
