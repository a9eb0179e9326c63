import type { Consumer, IncomingMessage } from '@acta/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from '../run-cli.fixture.js'
import { sqliteProject, type SqliteProject } from '../sqlite-project.fixture.js'

const until = async (check: () => Promise<boolean> | boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

interface Letter {
  id: string
  queue: string
  attempts: number
  error: string
  failedAt: string
  message: { type: string; data: unknown }
}

describe('acta dlq', () => {
  let project: SqliteProject
  const acta = (...argv: string[]) => project.inside(() => cli(argv))
  const letters = async (...argv: string[]) =>
    JSON.parse((await acta('dlq', 'list', '--json', ...argv)).stdout) as Letter[]

  beforeAll(async () => {
    // Given consumers that fail every message of two queues, which parks them
    project = await sqliteProject()
    const { transport } = project.infrastructure
    const failing: Consumer[] = []
    for (const queue of ['todo-write', 'mail-out']) {
      failing.push(
        await transport.consume(
          queue,
          () => {
            throw new Error(`${queue} is broken`)
          },
          { maxAttempts: 1 },
        ),
      )
    }
    await transport.send('todo-write', { type: 'PostTodo', data: { text: 'a' } })
    await transport.send('todo-write', { type: 'PostTodo', data: { text: 'b' } })
    await transport.send('mail-out', { type: 'SendMail', data: { to: 'x' } })
    await until(async () => (await transport.listDeadLetters()).length === 3)
    await Promise.all(failing.map((consumer) => consumer.close()))
  })
  afterAll(() => project.close())

  it('lists dead letters with their queue, error and message', async () => {
    const all = await letters()
    expect(all.map((l) => [l.queue, l.message.type])).toEqual([
      ['todo-write', 'PostTodo'],
      ['todo-write', 'PostTodo'],
      ['mail-out', 'SendMail'],
    ])
    expect(all[0]).toMatchObject({
      attempts: 1,
      error: expect.stringContaining('todo-write is broken') as unknown,
    })
    expect((await letters('--queue', 'mail-out')).map((l) => l.message.data)).toEqual([{ to: 'x' }])
    const table = await acta('dlq', 'list')
    expect(table.stdout).toMatch(/^id\s+queue\s+type\s+attempts\s+failed at\s+error\n/)
    expect(table.stdout).toMatch(/mail-out\s+SendMail\s+1\s+\S+\s+mail-out is broken/)
  })

  it('refuses to replay without --id or --all, and lists what --all would replay', async () => {
    const { code, stderr } = await acta('dlq', 'replay', '--queue', 'todo-write')
    expect(code).toBe(2)
    expect(stderr).toContain('--all would replay 2')
    expect(stderr.match(/todo-write {2}PostTodo/g)).toHaveLength(2)
    expect(await letters()).toHaveLength(3)
  })

  it('answers 3 for an id that is not a dead letter, and replays nothing', async () => {
    const [letter] = await letters()
    const { code, stderr } = await acta('dlq', 'replay', '--id', letter!.id, '--id', 'no-such-id')
    expect(code).toBe(3)
    expect(stderr).toContain('No dead letter no-such-id')
    expect(await letters()).toHaveLength(3)
  })

  it('replays one letter by id back onto its queue', async () => {
    // Given a consumer that now works
    const received: IncomingMessage[] = []
    const consumer = await project.infrastructure.transport.consume('mail-out', (m) => void received.push(m))
    try {
      // When its dead letter is replayed
      const [letter] = await letters('--queue', 'mail-out')
      const { code, stdout } = await acta('dlq', 'replay', '--id', letter!.id, '--json')

      // Then it is delivered again and no longer parked
      expect(code).toBe(0)
      expect(JSON.parse(stdout)).toEqual({ replayed: 1, ids: [letter!.id] })
      await until(() => received.length === 1)
      expect(received[0]).toMatchObject({ type: 'SendMail', data: { to: 'x' } })
      expect(await letters('--queue', 'mail-out')).toEqual([])
    } finally {
      await consumer.close()
    }
  })

  it('replays every letter of a queue with --all', async () => {
    const { code, stdout } = await acta('dlq', 'replay', '--queue', 'todo-write', '--all')
    expect(code).toBe(0)
    expect(stdout).toBe('Replayed 2 dead letters.\n')
    expect(await letters()).toEqual([])
    expect((await acta('dlq', 'list')).stdout).toBe('(no dead letters)\n')
  })
})
