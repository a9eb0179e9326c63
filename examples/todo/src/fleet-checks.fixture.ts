import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  accept,
  expectProblem,
  fromNow,
  postedTodo,
  read,
  registeredUser,
  until,
} from './checks/command-client.fixture.js'
import { ruleCheckTests } from './checks/rules-checks.fixture.js'
import type { TodoFleet } from './fleet.js'
import type { TodoView } from './read/todo-list.js'
import type { UserView } from './read/user-list.js'
import { startSmtpSink, type ReceivedMail, type SmtpSink } from './smtp-sink.fixture.js'

/** The mails the sink received about one todo (the mailer names it in `X-Todo-Id`). */
export const mailsAbout = (sink: SmtpSink, todoId: string): ReceivedMail[] =>
  sink.mails.filter((mail) => new RegExp(`^X-Todo-Id: ${todoId}\\r?$`, 'im').test(mail.raw))

/** Waits until the todo has `status`, by polling its read route. */
export async function todoReaches(
  baseUrl: string,
  todoId: string,
  status: string,
  after = 0,
): Promise<TodoView> {
  return until(
    `todo ${todoId} to be ${status}`,
    async () => {
      const { body } = await read<TodoView>(baseUrl, `/api/todos/${todoId}`, after)
      return body.status === status ? body : undefined
    },
    30_000,
  )
}

/**
 * The end-to-end checks of the todo fleet: every rule of the API (the write side's `ruleChecks`),
 * the queries, and deadlines, reminders and mail through the scheduler into a real SMTP server.
 * `start` gets the mailer's SMTP settings to add to the fleet's environment.
 *
 * @example
 * todoFleetChecks((env) => startTodoFleet({ env: { ...env, ACTA_DATABASE_URL: url } }))
 */
export function todoFleetChecks(start: (env: Record<string, string>) => Promise<TodoFleet>): void {
  let sink: SmtpSink
  let fleet: TodoFleet
  beforeAll(async () => {
    sink = await startSmtpSink()
    fleet = await start({ TODO_SMTP_URL: sink.url })
  }, 180_000)
  afterAll(async () => {
    await fleet?.stop()
    await sink?.stop()
  })
  const base = () => fleet.url

  describe('the rules of the API', () => ruleCheckTests(() => ({ baseUrl: base(), reads: true })))

  describe('queries', () => {
    it("moves a user's counts with the todo events and lists their todos in posting order", async () => {
      // Given a user with three todos, one done
      const { user_id } = await registeredUser(base(), 'Counted')
      const posted = []
      for (const text of ['first', 'second', 'third']) {
        const todo_id = `${user_id}-${text}`
        await accept(base(), 'post-todo', { assignee_id: user_id, todo_id, text }, ['TodoWasPosted'])
        posted.push(todo_id)
      }
      const done = await accept(base(), 'mark-todo-as-done', { todo_id: posted[1] }, ['TodoWasMarkedAsDone'])
      // Then the user counts two open and one done
      const user = await read<UserView>(base(), `/api/users/${user_id}`, done.position)
      expect(user).toEqual({
        status: 200,
        body: {
          user_id,
          name: 'Counted',
          email: `${user_id}@example.com`,
          open_todos: 2,
          done_todos: 1,
          expired_todos: 0,
        },
      })
      // and lists them in the order they were posted
      const todos = await read<TodoView[]>(base(), `/api/users/${user_id}/todos`, done.position)
      expect(todos.status).toBe(200)
      expect(todos.body.map((todo) => [todo.todo_id, todo.status])).toEqual([
        [posted[0], 'OPEN'],
        [posted[1], 'DONE'],
        [posted[2], 'OPEN'],
      ])
    })

    it('lists every user sorted by name', async () => {
      const zed = await registeredUser(base(), 'Zed Sorted')
      const amy = await registeredUser(base(), 'Amy Sorted')
      const { status, body } = await read<UserView[]>(
        base(),
        '/api/users',
        Math.max(zed.accepted.position, amy.accepted.position),
      )
      expect(status).toBe(200)
      const names = body.map((user) => user.name)
      expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
      expect(body.map((user) => user.user_id)).toEqual(expect.arrayContaining([zed.user_id, amy.user_id]))
    })

    it('answers 404 problem+json for an unknown user, todo, user of todos, command and path', async () => {
      for (const path of [
        '/api/users/nobody',
        '/api/todos/nothing',
        '/api/users/nobody/todos',
        '/api/nowhere',
      ])
        await expectProblem(await fetch(`${base()}${path}`), 404)
      await expectProblem(await fetch(`${base()}/api/commands/fly-away`, { method: 'POST', body: '{}' }), 404)
    })

    it('answers 400 problem+json for an after that is not a log position', async () => {
      await expectProblem(await fetch(`${base()}/api/users?after=yesterday`), 400)
    })
  })

  describe('deadlines, reminders and mail', () => {
    it('expires a todo at its deadline through the scheduler and mails "Todo expired" to the assignee', async () => {
      // Given a todo whose deadline is 3 s ahead
      const { todo_id, user } = await postedTodo(base(), 'renew the passport')
      const deadline = fromNow(3000)
      await accept(base(), 'add-deadline-to-todo', { todo_id, user_id: user.user_id, deadline }, [
        'DeadlineWasAddedToTodo',
      ])
      // Then it expires on its own
      expect(await todoReaches(base(), todo_id, 'EXPIRED')).toMatchObject({ status: 'EXPIRED', deadline })
      const counts = await read<UserView>(base(), `/api/users/${user.user_id}`, 0)
      expect(counts.body).toMatchObject({ open_todos: 0, expired_todos: 1 })
      // and the assignee gets the mail through SMTP
      const [mail] = await until(
        'the expiry mail',
        async () => mailsAbout(sink, todo_id)[0] && mailsAbout(sink, todo_id),
      )
      expect(mail).toMatchObject({ to: [user.email], subject: 'Todo expired', from: 'todo@acta.local' })
      expect(mail!.raw).toContain('renew the passport')
    })

    it('traces the expiry chain in the admin API: command -> deadline -> process manager -> expiry', async () => {
      // Given a todo whose deadline, added under a known correlation id, is 2 s ahead
      const { todo_id, user } = await postedTodo(base(), 'file the taxes')
      const correlationId = `flow-${todo_id}`
      const added = await fetch(`${base()}/api/commands/add-deadline-to-todo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
        body: JSON.stringify({ todo_id, user_id: user.user_id, deadline: fromNow(2000) }),
      })
      expect(added.status).toBe(202)
      await todoReaches(base(), todo_id, 'EXPIRED')
      // When the flow of that correlation is asked for, with the admin token and without it
      const token = fleet.admin?.token
      expect(token).toBeDefined()
      const refused = await fetch(`${base()}/_acta/api/flows/${correlationId}`)
      expect(refused.status).toBe(401)
      const answer = await fetch(`${base()}/_acta/api/flows/${correlationId}`, {
        headers: { authorization: `Bearer ${token}` },
      })
      // Then it shows the client's command, its event, the process manager's command and the expiry
      expect(answer.status).toBe(200)
      const flow = (await answer.json()) as {
        commands: { id: string; type: string; sender?: string }[]
        events: { eventId: string; type: string }[]
        edges: { from: string; to: string; kind: string }[]
      }
      expect(flow.events.map((event) => event.type)).toEqual([
        'DeadlineWasAddedToTodo',
        'TodoWasMarkedAsExpired',
      ])
      expect(flow.commands.map((command) => command.type)).toEqual([
        'add-deadline-to-todo',
        'mark-todo-as-expired',
      ])
      expect(flow.commands[1]?.sender).toMatch(/^process-manager:/)
      const [deadlineEvent] = flow.events
      expect(flow.edges).toContainEqual(
        expect.objectContaining({
          from: deadlineEvent?.eventId,
          to: flow.commands[1]?.id,
          kind: 'triggered',
        }),
      )
      // and the services the overview shows include those without routes, probed on /readyz
      const services = (await (
        await fetch(`${base()}/_acta/api/services`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { services: Record<string, { upstreams: { healthy: boolean }[] }> }
      for (const name of ['user-write', 'todo-write', 'user-read', 'todo-read', 'process-managers', 'mailer'])
        expect(
          services.services[name]?.upstreams.some((upstream) => upstream.healthy),
          name,
        ).toBe(true)
    })

    it('reopens an expired todo when a deadline is added to it', async () => {
      // Given a todo that expired
      const { todo_id, user } = await postedTodo(base(), 'paint the fence')
      await accept(
        base(),
        'add-deadline-to-todo',
        { todo_id, user_id: user.user_id, deadline: fromNow(2000) },
        ['DeadlineWasAddedToTodo'],
      )
      await todoReaches(base(), todo_id, 'EXPIRED')
      // When a new deadline is added
      const deadline = fromNow(3_600_000)
      const again = await accept(
        base(),
        'add-deadline-to-todo',
        { todo_id, user_id: user.user_id, deadline },
        ['DeadlineWasAddedToTodo', 'TodoWasUnmarkedAsExpired'],
      )
      // Then it is open again with that deadline
      expect((await read<TodoView>(base(), `/api/todos/${todo_id}`, again.position)).body).toMatchObject({
        status: 'OPEN',
        deadline,
      })
      expect((await read<UserView>(base(), `/api/users/${user.user_id}`, again.position)).body).toMatchObject(
        {
          open_todos: 1,
          expired_todos: 0,
        },
      )
    })

    it('reminds the assignee at the reminder time with a "Todo reminder" mail', async () => {
      // Given a todo with a reminder 2.5 s ahead
      const { todo_id, user } = await postedTodo(base(), 'call the plumber')
      const reminder = fromNow(2500)
      await accept(base(), 'add-reminder-to-todo', { todo_id, user_id: user.user_id, reminder }, [
        'ReminderWasAddedToTodo',
      ])
      // Then the reminder mail arrives, naming the todo
      const [mail] = await until(
        'the reminder mail',
        async () => mailsAbout(sink, todo_id)[0] && mailsAbout(sink, todo_id),
      )
      expect(mail).toMatchObject({ to: [user.email], subject: 'Todo reminder' })
      expect(mail!.raw).toContain('call the plumber')
      // and the todo stays open with its reminder
      expect((await read<TodoView>(base(), `/api/todos/${todo_id}`, 0)).body).toMatchObject({
        status: 'OPEN',
        reminder,
      })
    })
  })
}
