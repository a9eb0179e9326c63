import { expect } from 'vitest'
import {
  accept,
  expectProblem,
  fromNow,
  freshId,
  postCommand,
  postedTodo,
  refuse,
  registeredUser,
  until,
} from './command-client.fixture.js'
import { expectTodo, userOf, type RuleCheck } from './rule-check.fixture.js'

/** The order of the checks, expiring and reminding, checked over HTTP (see `ruleChecks`); the timed ones poll until due. */
export const deadlineRuleChecks: readonly RuleCheck[] = [
  {
    name: 'checks in order: input schema, unknown user or todo, assignee, past date, state',
    async run({ baseUrl }) {
      const { todo_id, user } = await postedTodo(baseUrl)
      await accept(baseUrl, 'mark-todo-as-done', { todo_id }, ['TodoWasMarkedAsDone'])
      const stranger = await registeredUser(baseUrl)
      const past = fromNow(-60_000)
      // every rule broken at once: each answer names the first one in the order
      await refuse(
        baseUrl,
        'add-deadline-to-todo',
        { todo_id: freshId('todo'), user_id: 'a b', deadline: past },
        400,
      )
      await refuse(
        baseUrl,
        'add-deadline-to-todo',
        { todo_id: freshId('todo'), user_id: user.user_id, deadline: past },
        404,
      )
      await refuse(
        baseUrl,
        'add-deadline-to-todo',
        { todo_id, user_id: freshId('user'), deadline: past },
        404,
      )
      await refuse(
        baseUrl,
        'add-deadline-to-todo',
        { todo_id, user_id: stranger.user_id, deadline: past },
        403,
      )
      const pastProblem = await refuse(
        baseUrl,
        'add-deadline-to-todo',
        { todo_id, user_id: user.user_id, deadline: past },
        400,
      )
      expect(pastProblem.code).toBe('VALIDATION')
      await refuse(
        baseUrl,
        'add-deadline-to-todo',
        { todo_id, user_id: user.user_id, deadline: fromNow(3_600_000) },
        409,
      )
    },
  },
  {
    name: 'refuses to expire a todo without a deadline or before it (409)',
    async run(target) {
      const { todo_id, user } = await postedTodo(target.baseUrl)
      await refuse(target.baseUrl, 'mark-todo-as-expired', { todo_id }, 409)
      const deadline = await accept(
        target.baseUrl,
        'add-deadline-to-todo',
        { todo_id, user_id: user.user_id, deadline: fromNow(3_600_000) },
        ['DeadlineWasAddedToTodo'],
      )
      await refuse(target.baseUrl, 'mark-todo-as-expired', { todo_id }, 409)
      await expectTodo(target, todo_id, deadline.position, { status: 'OPEN' })
    },
  },
  {
    name: 'expires a todo once its deadline passed; a new deadline reopens it (TodoWasUnmarkedAsExpired)',
    async run(target) {
      const { todo_id, user } = await postedTodo(target.baseUrl)
      const body = { todo_id, user_id: user.user_id }
      await accept(target.baseUrl, 'add-deadline-to-todo', { ...body, deadline: fromNow(3000) }, [
        'DeadlineWasAddedToTodo',
      ])
      // the deadline process manager may expire it first where it runs: either way it ends EXPIRED
      await until('the todo to expire', async () => {
        const res = await postCommand(target.baseUrl, 'mark-todo-as-expired', { todo_id })
        if (res.status === 202) return true
        const problem = await expectProblem(res, 409)
        return /EXPIRED/.test(problem.detail ?? '') ? true : undefined
      })
      await refuse(target.baseUrl, 'mark-todo-as-done', { todo_id }, 409)
      const reopened = await accept(
        target.baseUrl,
        'add-deadline-to-todo',
        { ...body, deadline: fromNow(3_600_000) },
        ['DeadlineWasAddedToTodo', 'TodoWasUnmarkedAsExpired'],
      )
      await expectTodo(target, todo_id, reopened.position, { status: 'OPEN' })
      if (target.reads)
        expect((await userOf(target, user.user_id, reopened.position)).body).toMatchObject({
          open_todos: 1,
          expired_todos: 0,
        })
    },
  },
  {
    name: 'reminds the assignee only of the current reminder, once it is due (409 otherwise)',
    async run({ baseUrl }) {
      const { todo_id, user } = await postedTodo(baseUrl)
      const reminder = fromNow(2500)
      await accept(baseUrl, 'add-reminder-to-todo', { todo_id, user_id: user.user_id, reminder }, [
        'ReminderWasAddedToTodo',
      ])
      const early = await refuse(baseUrl, 'remind-todo-assignee', { todo_id, reminder }, 409)
      expect(early.detail).toMatch(/not due|already/)
      await refuse(baseUrl, 'remind-todo-assignee', { todo_id, reminder: fromNow(-3_600_000) }, 409)
      // the reminder process manager may remind first where it runs: then this one is "already"
      await until('the reminder to fall due', async () => {
        const res = await postCommand(baseUrl, 'remind-todo-assignee', { todo_id, reminder })
        if (res.status === 202) return true
        const problem = await expectProblem(res, 409)
        return /already/.test(problem.detail ?? '') ? true : undefined
      })
      const twice = await refuse(baseUrl, 'remind-todo-assignee', { todo_id, reminder }, 409)
      expect(twice.detail).toMatch(/already/)
    },
  },
]
