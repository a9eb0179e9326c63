import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from '../run-cli.fixture.js'
import { sqliteProject, type SqliteProject } from '../sqlite-project.fixture.js'

describe('acta streams show', () => {
  let project: SqliteProject
  beforeAll(async () => {
    project = await sqliteProject()
    await project.infrastructure.store.append('todo-1', [
      { type: 'TodoWasPosted', data: { text: 'buy milk' }, metadata: { correlationId: 'c-1' } },
      { type: 'TodoWasDone', data: {} },
      { type: 'TodoWasReopened', data: { reason: 'sour' } },
    ])
    await project.add('todo-2', 'TodoWasPosted', { text: 'gone' })
    await project.infrastructure.store.deleteStream('todo-2')
  })
  afterAll(() => project.close())

  it('shows the stream and its events with data and metadata as JSON', async () => {
    const { code, stdout } = await project.inside(() => cli(['streams', 'show', 'todo-1', '--json']))
    expect(code).toBe(0)
    const shown = JSON.parse(stdout) as {
      events: { version: number; type: string; data: unknown; metadata: Record<string, unknown> }[]
    }
    expect(shown).toMatchObject({ streamId: 'todo-1', version: 3, exists: true, deleted: false })
    expect(shown.events.map((e) => [e.version, e.type])).toEqual([
      [1, 'TodoWasPosted'],
      [2, 'TodoWasDone'],
      [3, 'TodoWasReopened'],
    ])
    expect(shown.events[0]).toMatchObject({ data: { text: 'buy milk' }, metadata: { correlationId: 'c-1' } })
  })

  it('pages with --from and --limit', async () => {
    const { stdout } = await project.inside(() =>
      cli(['streams', 'show', 'todo-1', '--json', '--from', '2', '--limit', '1']),
    )
    expect((JSON.parse(stdout) as { events: { type: string }[] }).events.map((e) => e.type)).toEqual([
      'TodoWasDone',
    ])
  })

  it('prints the events with their data pretty-printed', async () => {
    const { stdout } = await project.inside(() => cli(['streams', 'show', 'todo-1']))
    expect(stdout).toMatch(/^todo-1 {2}version 3 {2}exists\n/)
    expect(stdout).toContain('#1 TodoWasPosted')
    expect(stdout).toContain('  {\n    "text": "buy milk"\n  }')
    expect(stdout).toContain('"correlationId": "c-1"')
  })

  it('shows a deleted stream as deleted', async () => {
    const { code, stdout } = await project.inside(() => cli(['streams', 'show', 'todo-2', '--json']))
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ version: 1, exists: false, deleted: true, events: [] })
  })

  it('exits with 3 and says so when the stream never existed', async () => {
    const { code, stdout, stderr } = await project.inside(() => cli(['streams', 'show', 'todo-404']))
    expect(code).toBe(3)
    expect(stdout).toBe('')
    expect(stderr).toContain('No stream "todo-404"')
  })
})
