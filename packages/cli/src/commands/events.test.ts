import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, jsonLines } from '../run-cli.fixture.js'
import { sqliteProject, type SqliteProject } from '../sqlite-project.fixture.js'

describe('acta events tail', () => {
  let project: SqliteProject
  beforeAll(async () => {
    project = await sqliteProject()
    for (let i = 1; i <= 15; i++) {
      await project.add(`todo-${i % 3}`, i % 5 === 0 ? 'TodoWasDone' : 'TodoWasPosted', { n: i })
    }
    await project.add('user-1', 'UserJoined', { name: 'Ada' })
  })
  afterAll(() => project.close())

  it('prints the last ten events of the log as JSON lines, oldest first', async () => {
    // When tailing without following, inside the project
    const { code, stdout } = await project.inside(() => cli(['events', 'tail', '--no-follow', '--json']))

    // Then the ten newest events come, one JSON object per line
    expect(code).toBe(0)
    const events = jsonLines(stdout) as { position: number }[]
    expect(events.map((e) => e.position)).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
    const { metadata, recordedAt, ...rest } = events.at(-1) as Record<string, unknown>
    expect(rest).toEqual({
      position: 16,
      streamId: 'user-1',
      version: 1,
      type: 'UserJoined',
      data: { name: 'Ada' },
    })
    expect(metadata).toBeTypeOf('object')
    expect(recordedAt).toMatch(/^\d{4}-\d\d-\d\dT/)
  })

  it('filters by category and type, with --last', async () => {
    const { stdout } = await project.inside(() =>
      cli([
        'events',
        'tail',
        '--no-follow',
        '--json',
        '--category',
        'todo',
        '--type',
        'TodoWasDone',
        '--last',
        '2',
      ]),
    )
    const events = jsonLines(stdout) as { position: number; type: string }[]
    expect(events.map((e) => [e.position, e.type])).toEqual([
      [10, 'TodoWasDone'],
      [15, 'TodoWasDone'],
    ])
  })

  it('reads one stream, and the log from a position, through --database-url from anywhere', async () => {
    // Given the database named on the command line (no project in the working directory)
    const url = ['--database-url', project.databaseUrl]

    // When tailing one stream, and the log from position 14
    const stream = await cli([
      'events',
      'tail',
      '--no-follow',
      '--json',
      '--stream',
      'todo-1',
      '--last',
      '3',
      ...url,
    ])
    const from = await cli(['events', 'tail', '--no-follow', '--json', '--from', '14', ...url])

    // Then each gives what it asked for
    expect((jsonLines(stream.stdout) as { version: number }[]).map((e) => e.version)).toEqual([3, 4, 5])
    expect((jsonLines(from.stdout) as { position: number }[]).map((e) => e.position)).toEqual([14, 15, 16])
  })

  it('prints one readable line per event', async () => {
    const { stdout } = await project.inside(() => cli(['events', 'tail', '--no-follow', '--last', '1']))
    expect(stdout).toMatch(
      /^\s+16 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} user-1 UserJoined \{"name":"Ada"\}\n$/,
    )
  })

  it('follows new events until interrupted', async () => {
    // Given a tail following the log
    const live = { stdout: [] as string[] }
    const listeners = process.listenerCount('SIGINT')
    const running = cli(
      ['events', 'tail', '--json', '--last', '0', '--database-url', project.databaseUrl],
      live,
    )
    await until(() => process.listenerCount('SIGINT') > listeners)

    // When an event is appended, and Ctrl-C comes once it is printed
    await project.add('todo-9', 'TodoWasPosted', { n: 99 })
    await until(() => live.stdout.join('').includes('todo-9'))
    process.emit('SIGINT')
    const result = await running

    // Then it printed the new event only and exited cleanly
    expect(result.code).toBe(0)
    expect(jsonLines(result.stdout)).toEqual([expect.objectContaining({ streamId: 'todo-9', position: 17 })])
  })

  it('refuses --from with --last, and a position that is not a number, as usage errors', async () => {
    const both = await project.inside(() =>
      cli(['events', 'tail', '--from', '3', '--last', '2', '--no-follow']),
    )
    const bad = await project.inside(() => cli(['events', 'tail', '--from', 'x', '--no-follow']))
    expect(both.code).toBe(2)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/log position/)
  })
})

describe('acta events flow', () => {
  let project: SqliteProject
  beforeAll(async () => {
    project = await sqliteProject()
    const { store } = project.infrastructure
    const meta = (extra: Record<string, string>) => ({ correlationId: 'flow-1', ...extra })
    await store.append('todo-1', [
      { type: 'DeadlineWasAddedToTodo', data: {}, metadata: meta({ commandType: 'add-deadline-to-todo' }) },
    ])
    await store.append('todo-2', [{ type: 'Unrelated', data: {}, metadata: { correlationId: 'flow-2' } }])
    await store.append('todo-1', [
      {
        type: 'TodoWasMarkedAsExpired',
        data: {},
        metadata: meta({ commandType: 'mark-todo-as-expired', commandSender: 'process-manager:deadlines' }),
      },
    ])
  })
  afterAll(() => project.close())

  it('prints the events of one correlation in log order, as JSON lines or with their commands', async () => {
    const json = await project.inside(() => cli(['events', 'flow', 'flow-1', '--json']))
    expect(json.code).toBe(0)
    expect(
      (jsonLines(json.stdout) as { type: string; position: number }[]).map((e) => [e.type, e.position]),
    ).toEqual([
      ['DeadlineWasAddedToTodo', 1],
      ['TodoWasMarkedAsExpired', 3],
    ])
    const text = await project.inside(() => cli(['events', 'flow', 'flow-1']))
    expect(text.stdout).toContain('by add-deadline-to-todo')
    expect(text.stdout).toContain('by mark-todo-as-expired, sent by process-manager:deadlines')
    const limited = await project.inside(() => cli(['events', 'flow', 'flow-1', '--json', '--limit', '1']))
    expect(jsonLines(limited.stdout)).toHaveLength(1)
  })

  it('exits 3 for a correlation without events, and 2 for a bad limit', async () => {
    const missing = await project.inside(() => cli(['events', 'flow', 'nope']))
    expect(missing.code).toBe(3)
    expect(missing.stderr).toContain('No event of correlation "nope"')
    const bad = await project.inside(() => cli(['events', 'flow', 'flow-1', '--limit', '0']))
    expect(bad.code).toBe(2)
  })
})

const until = async (check: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
