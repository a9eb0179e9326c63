import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openInfrastructure, openReadStores } from '@acta/service'
import { afterAll, describe, expect, it } from 'vitest'
import { accept, fromNow, postedTodo, read, until } from './checks/command-client.fixture.js'
import { mailsAbout, todoReaches } from './fleet-checks.fixture.js'
import { startTodoFleet, type TodoFleet } from './fleet.js'
import type { UserView } from './read/user-list.js'
import { todoStream } from './shared/messages.js'
import { startSmtpSink } from './smtp-sink.fixture.js'

const dir = mkdtempSync(join(tmpdir(), 'acta-todo-restart-'))
const databaseUrl = `sqlite:${join(dir, 'acta.db')}`
const running: TodoFleet[] = []
const sink = await startSmtpSink()
afterAll(async () => {
  for (const fleet of running) await fleet.stop()
  await sink.stop()
  rmSync(dir, { recursive: true, force: true })
})

const start = async () => {
  const fleet = await startTodoFleet({
    cwd: dir,
    env: {
      ACTA_DATABASE_URL: databaseUrl,
      ACTA_TRANSPORT_URL: `sqlite:${join(dir, 'transport.db')}`,
      TODO_SMTP_URL: sink.url,
    },
  })
  running.push(fleet)
  return fleet
}

describe('the todo fleet stopped while a deadline is pending', () => {
  it('expires the todo exactly once after it starts again past the deadline, and mails once', async () => {
    // Given a todo with a deadline 4 s ahead, whose timer the process managers have set
    const first = await start()
    const { todo_id, user } = await postedTodo(first.url, 'return the library books')
    const deadline = fromNow(4000)
    await accept(first.url, 'add-deadline-to-todo', { todo_id, user_id: user.user_id, deadline }, [
      'DeadlineWasAddedToTodo',
    ])
    const { schedules, close } = await openReadStores(databaseUrl)
    try {
      const timerOf = async () =>
        (await schedules.pending()).find((entry) => entry.id.startsWith(`todo_deadlines:${todo_id}:`))
      const timer = await until('the expiry timer', timerOf)
      expect(timer.dueAt.toISOString()).toBe(deadline)

      // When the fleet stops, the deadline passes while nothing runs, and the fleet starts again
      await first.stop()
      await until('the deadline to pass', async () =>
        Date.now() > Date.parse(deadline) + 500 ? true : undefined,
      )
      const second = await start()

      // Then the todo expires, the timer is done, and one mail goes out
      await todoReaches(second.url, todo_id, 'EXPIRED')
      await until('the timer to be done', async () =>
        (await schedules.get(timer.id))?.status === 'done' ? true : undefined,
      )
      const mails = await until('the expiry mail', async () =>
        mailsAbout(sink, todo_id).length > 0 ? mailsAbout(sink, todo_id) : undefined,
      )
      expect(mails.map((mail) => mail.subject)).toEqual(['Todo expired'])
      expect((await read<UserView>(second.url, `/api/users/${user.user_id}`, 0)).body).toMatchObject({
        open_todos: 0,
        expired_todos: 1,
      })
    } finally {
      await close()
    }
    // and the log holds one expiry
    const infrastructure = await openInfrastructure({ databaseUrl, transportUrl: 'memory' })
    try {
      const { events } = await infrastructure.store.readStream(todoStream(todo_id))
      expect(events.map((event) => event.type)).toEqual([
        'TodoWasPosted',
        'DeadlineWasAddedToTodo',
        'TodoWasMarkedAsExpired',
      ])
    } finally {
      await infrastructure.close()
    }
  }, 180_000)
})
