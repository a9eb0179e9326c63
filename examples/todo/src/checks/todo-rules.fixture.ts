import { expect } from 'vitest'
import {
  accept,
  expectProblem,
  fromNow,
  freshId,
  postCommand,
  postedTodo,
  read,
  refuse,
  registeredUser,
} from './command-client.fixture.js'
import { expectTodo, issuePaths, todoOf, userOf, type RuleCheck } from './rule-check.fixture.js'
import type { TodoView } from '../read/todo-list.js'

/** The rules of posting, finishing, reopening and dating todos, checked over HTTP (see `ruleChecks`). */
export const todoRuleChecks: readonly RuleCheck[] = [
  {
    name: 'posts a todo for a registered assignee: OPEN, without deadline or reminder',
    async run(target) {
      const { user, todo_id, accepted } = await postedTodo(target.baseUrl, '  buy milk  ')
      expect(accepted.stream).toBe(`todo-${todo_id}`)
      await expectTodo(target, todo_id, accepted.position, {
        todo_id,
        assignee_id: user.user_id,
        text: 'buy milk',
        status: 'OPEN',
        deadline: null,
        reminder: null,
      })
      if (!target.reads) return
      expect((await userOf(target, user.user_id, accepted.position)).body).toMatchObject({ open_todos: 1 })
      const list = await read<TodoView[]>(
        target.baseUrl,
        `/api/users/${user.user_id}/todos`,
        accepted.position,
      )
      expect(list.body.map((t) => t.todo_id)).toEqual([todo_id])
    },
  },
  {
    name: 'refuses a text shorter than 3 characters once trimmed (400) and posts nothing',
    async run(target) {
      const { user_id, accepted } = await registeredUser(target.baseUrl)
      const todo_id = freshId('todo')
      const problem = await refuse(
        target.baseUrl,
        'post-todo',
        { assignee_id: user_id, todo_id, text: ' ab ' },
        400,
      )
      expect(issuePaths(problem)).toEqual(['body/text'])
      if (target.reads) expect((await todoOf(target, todo_id, accepted.position)).status).toBe(404)
    },
  },
  {
    name: 'refuses a todo for an unknown assignee (404) and a todo id already posted (409)',
    async run(target) {
      const todo_id = freshId('todo')
      const unknown = freshId('user')
      const problem = await refuse(
        target.baseUrl,
        'post-todo',
        { assignee_id: unknown, todo_id, text: 'abc' },
        404,
      )
      expect(problem.detail).toContain(unknown)
      const posted = await postedTodo(target.baseUrl)
      const body = { assignee_id: posted.user.user_id, todo_id: posted.todo_id, text: 'again' }
      await refuse(target.baseUrl, 'post-todo', body, 409)
      await expectTodo(target, posted.todo_id, posted.accepted.position, { text: posted.text })
    },
  },
  {
    name: 'answers malformed JSON with 400, another content type with 415, an unknown command with 404',
    async run({ baseUrl }) {
      await expectProblem(await postCommand(baseUrl, 'post-todo', undefined, { raw: '{"todo_id": ' }), 400)
      const form = { 'content-type': 'application/x-www-form-urlencoded' }
      await expectProblem(
        await postCommand(baseUrl, 'post-todo', undefined, { raw: 'a=b', headers: form }),
        415,
      )
      await expectProblem(await postCommand(baseUrl, 'delete-everything', {}), 404)
    },
  },
  {
    name: 'marks only an OPEN todo as done (409 twice) and reopens only a DONE todo (409 when OPEN)',
    async run(target) {
      const { user, todo_id } = await postedTodo(target.baseUrl)
      await refuse(target.baseUrl, 'reopen-todo', { todo_id }, 409)
      const done = await accept(target.baseUrl, 'mark-todo-as-done', { todo_id }, ['TodoWasMarkedAsDone'])
      expect(done.version).toBe(2)
      await refuse(target.baseUrl, 'mark-todo-as-done', { todo_id }, 409)
      await expectTodo(target, todo_id, done.position, { status: 'DONE' })
      if (target.reads)
        expect((await userOf(target, user.user_id, done.position)).body).toMatchObject({
          open_todos: 0,
          done_todos: 1,
        })
      const reopened = await accept(target.baseUrl, 'reopen-todo', { todo_id }, ['TodoWasReopened'])
      await expectTodo(target, todo_id, reopened.position, { status: 'OPEN' })
    },
  },
  {
    name: 'refuses commands on an unknown todo (404)',
    async run({ baseUrl }) {
      const todo_id = freshId('todo')
      const { user_id } = await registeredUser(baseUrl)
      await refuse(baseUrl, 'mark-todo-as-done', { todo_id }, 404)
      await refuse(baseUrl, 'reopen-todo', { todo_id }, 404)
      await refuse(baseUrl, 'add-deadline-to-todo', { todo_id, user_id, deadline: fromNow(3_600_000) }, 404)
      await refuse(baseUrl, 'add-reminder-to-todo', { todo_id, user_id, reminder: fromNow(3_600_000) }, 404)
      await refuse(baseUrl, 'mark-todo-as-expired', { todo_id }, 404)
      await refuse(baseUrl, 'remind-todo-assignee', { todo_id, reminder: fromNow(-1000) }, 404)
    },
  },
  {
    name: 'adds a deadline and a reminder by the assignee, normalised to UTC',
    async run(target) {
      const { user, todo_id } = await postedTodo(target.baseUrl)
      const at = new Date(Date.now() + 86_400_000)
      at.setUTCMilliseconds(0)
      const offset = at.toISOString().replace('.000Z', '+00:00')
      const body = { todo_id, user_id: user.user_id }
      await accept(target.baseUrl, 'add-deadline-to-todo', { ...body, deadline: offset }, [
        'DeadlineWasAddedToTodo',
      ])
      const reminder = await accept(target.baseUrl, 'add-reminder-to-todo', { ...body, reminder: offset }, [
        'ReminderWasAddedToTodo',
      ])
      await expectTodo(target, todo_id, reminder.position, {
        deadline: at.toISOString(),
        reminder: at.toISOString(),
      })
    },
  },
  {
    name: 'refuses a deadline or reminder by someone else (403), in the past or without a time zone (400)',
    async run(target) {
      const { todo_id, user } = await postedTodo(target.baseUrl)
      const stranger = await registeredUser(target.baseUrl, 'Mallory')
      const future = fromNow(3_600_000)
      const past = fromNow(-60_000)
      for (const [name, field] of [
        ['add-deadline-to-todo', 'deadline'],
        ['add-reminder-to-todo', 'reminder'],
      ] as const) {
        await refuse(target.baseUrl, name, { todo_id, user_id: stranger.user_id, [field]: future }, 403)
        const inPast = await refuse(
          target.baseUrl,
          name,
          { todo_id, user_id: user.user_id, [field]: past },
          400,
        )
        expect(inPast.detail).toMatch(/future/)
        const local = await refuse(
          target.baseUrl,
          name,
          { todo_id, user_id: user.user_id, [field]: future.replace('Z', '') },
          400,
        )
        expect(issuePaths(local)).toEqual([`body/${field}`])
      }
      await expectTodo(target, todo_id, stranger.accepted.position, { deadline: null, reminder: null })
    },
  },
  {
    name: 'refuses a deadline or reminder on a DONE todo (409)',
    async run(target) {
      const { todo_id, user } = await postedTodo(target.baseUrl)
      const done = await accept(target.baseUrl, 'mark-todo-as-done', { todo_id }, ['TodoWasMarkedAsDone'])
      const body = { todo_id, user_id: user.user_id }
      await refuse(target.baseUrl, 'add-deadline-to-todo', { ...body, deadline: fromNow(3_600_000) }, 409)
      await refuse(target.baseUrl, 'add-reminder-to-todo', { ...body, reminder: fromNow(3_600_000) }, 409)
      await expectTodo(target, todo_id, done.position, { status: 'DONE', deadline: null, reminder: null })
    },
  },
]
