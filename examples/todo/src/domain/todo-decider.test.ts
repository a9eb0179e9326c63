import { deciderSpec } from '@acta/testing'
import { describe, expect, it } from 'vitest'
import type { TodoEvent } from '../shared/messages.js'
import { todoDecider, type TodoCommand } from './todo-decider.js'

const spec = deciderSpec(todoDecider)
const now = '2030-01-01T12:00:00.000Z'
const later = '2030-01-02T12:00:00.000Z'
const earlier = '2029-12-31T12:00:00.000Z'
const todo_id = 't-1'
const assignee_id = 'u-1'

const posted: TodoEvent = {
  type: 'TodoWasPosted',
  data: { todo_id, assignee_id, text: 'buy milk', status: 'OPEN' },
}
const done: TodoEvent = {
  type: 'TodoWasMarkedAsDone',
  data: { todo_id, assignee_id, old_status: 'OPEN', new_status: 'DONE' },
}
const reopened: TodoEvent = { type: 'TodoWasReopened', data: { todo_id, assignee_id, status: 'OPEN' } }
const deadlineAdded = (deadline: string): TodoEvent => ({
  type: 'DeadlineWasAddedToTodo',
  data: { todo_id, user_id: assignee_id, deadline },
})
const reminderAdded = (reminder: string): TodoEvent => ({
  type: 'ReminderWasAddedToTodo',
  data: { todo_id, user_id: assignee_id, reminder },
})
const expired: TodoEvent = {
  type: 'TodoWasMarkedAsExpired',
  data: { todo_id, assignee_id, old_status: 'OPEN', new_status: 'EXPIRED' },
}
const reminded = (reminder: string): TodoEvent => ({
  type: 'TodoAssigneeWasReminded',
  data: { todo_id, user_id: assignee_id, reminder },
})

const post = (user_registered = true): TodoCommand => ({
  type: 'post-todo',
  data: { todo_id, assignee_id, text: 'buy milk', now, user_registered },
})
const markDone: TodoCommand = { type: 'mark-todo-as-done', data: { todo_id, now } }
const reopen: TodoCommand = { type: 'reopen-todo', data: { todo_id, now } }
const addDeadline = (deadline: string, user_id = assignee_id, user_registered = true): TodoCommand => ({
  type: 'add-deadline-to-todo',
  data: { todo_id, user_id, deadline, now, user_registered },
})
const addReminder = (reminder: string, user_id = assignee_id, user_registered = true): TodoCommand => ({
  type: 'add-reminder-to-todo',
  data: { todo_id, user_id, reminder, now, user_registered },
})
const expire = (at = now): TodoCommand => ({ type: 'mark-todo-as-expired', data: { todo_id, now: at } })
const remind = (reminder: string, at = now): TodoCommand => ({
  type: 'remind-todo-assignee',
  data: { todo_id, reminder, now: at },
})

describe('posting a todo', () => {
  it('posts an OPEN todo for a registered assignee', () => {
    spec.given([]).when(post()).then([posted])
  })
  it('refuses an assignee who is not registered (NOT_FOUND)', () => {
    spec.given([]).when(post(false)).thenThrows('NOT_FOUND', /u-1/)
  })
  it('refuses a todo id already posted (CONFLICT)', () => {
    spec.given([posted]).when(post()).thenThrows('CONFLICT')
  })
})

describe('done and reopened', () => {
  it('marks an OPEN todo as done', () => {
    spec.given([posted]).when(markDone).then([done])
  })
  it('refuses to mark a todo never posted (NOT_FOUND)', () => {
    spec.given([]).when(markDone).thenThrows('NOT_FOUND')
    spec.given([]).when(reopen).thenThrows('NOT_FOUND')
  })
  it('refuses to mark a DONE or EXPIRED todo as done (CONFLICT)', () => {
    spec.given([posted, done]).when(markDone).thenThrows('CONFLICT', /DONE/)
    spec
      .given([posted, deadlineAdded(earlier), expired])
      .when(markDone)
      .thenThrows('CONFLICT', /EXPIRED/)
  })
  it('reopens a DONE todo, keeping its deadline and reminder', () => {
    spec
      .given([posted, deadlineAdded(later), reminderAdded(later), done])
      .when(reopen)
      .then([reopened])
    spec
      .given([posted, deadlineAdded(later), reminderAdded(later), done])
      .when(reopen)
      .thenState((state) => expect(state).toMatchObject({ status: 'OPEN', deadline: later, reminder: later }))
  })
  it('refuses to reopen an OPEN or EXPIRED todo (CONFLICT)', () => {
    spec.given([posted]).when(reopen).thenThrows('CONFLICT', /OPEN/)
    spec
      .given([posted, deadlineAdded(earlier), expired])
      .when(reopen)
      .thenThrows('CONFLICT')
  })
})

describe('deadlines', () => {
  it('adds a future deadline by the assignee', () => {
    spec
      .given([posted])
      .when(addDeadline(later))
      .then([deadlineAdded(later)])
  })
  it('reopens an EXPIRED todo when a deadline is added', () => {
    spec
      .given([posted, deadlineAdded(earlier), expired])
      .when(addDeadline(later))
      .then([
        deadlineAdded(later),
        {
          type: 'TodoWasUnmarkedAsExpired',
          data: { todo_id, assignee_id, old_status: 'EXPIRED', new_status: 'OPEN' },
        },
      ])
  })
  it('refuses a todo never posted, then an unknown user (NOT_FOUND)', () => {
    spec
      .given([])
      .when(addDeadline(earlier, 'u-2', false))
      .thenThrows('NOT_FOUND', /todo/i)
    spec
      .given([posted])
      .when(addDeadline(earlier, 'u-2', false))
      .thenThrows('NOT_FOUND', /u-2/)
  })
  it('refuses anyone but the assignee before looking at the date (FORBIDDEN)', () => {
    spec.given([posted, done]).when(addDeadline(earlier, 'u-2')).thenThrows('FORBIDDEN')
  })
  it('refuses a deadline not in the future before looking at the state (VALIDATION)', () => {
    spec
      .given([posted, done])
      .when(addDeadline(earlier))
      .thenThrows('VALIDATION', /future/)
    spec.given([posted]).when(addDeadline(now)).thenThrows('VALIDATION')
  })
  it('refuses a deadline on a DONE todo (CONFLICT)', () => {
    spec.given([posted, done]).when(addDeadline(later)).thenThrows('CONFLICT', /DONE/)
  })
})

describe('reminders', () => {
  it('adds a future reminder by the assignee, also on an EXPIRED todo', () => {
    spec
      .given([posted])
      .when(addReminder(later))
      .then([reminderAdded(later)])
    spec
      .given([posted, deadlineAdded(earlier), expired])
      .when(addReminder(later))
      .then([reminderAdded(later)])
  })
  it('refuses in the order: unknown user, not the assignee, past date, DONE', () => {
    spec
      .given([posted, done])
      .when(addReminder(earlier, 'u-2', false))
      .thenThrows('NOT_FOUND')
    spec.given([posted, done]).when(addReminder(earlier, 'u-2')).thenThrows('FORBIDDEN')
    spec.given([posted, done]).when(addReminder(earlier)).thenThrows('VALIDATION')
    spec.given([posted, done]).when(addReminder(later)).thenThrows('CONFLICT')
  })
})

describe('expiring', () => {
  it('expires an OPEN todo once its deadline has come', () => {
    spec
      .given([posted, deadlineAdded(earlier)])
      .when(expire())
      .then([expired])
    spec
      .given([posted, deadlineAdded(now)])
      .when(expire())
      .then([expired])
  })
  it('refuses before the deadline, without a deadline, and when not OPEN (CONFLICT)', () => {
    spec
      .given([posted, deadlineAdded(later)])
      .when(expire())
      .thenThrows('CONFLICT', /not passed/)
    spec
      .given([posted])
      .when(expire())
      .thenThrows('CONFLICT', /no deadline/)
    spec
      .given([posted, deadlineAdded(earlier), done])
      .when(expire())
      .thenThrows('CONFLICT', /DONE/)
    spec
      .given([posted, deadlineAdded(earlier), expired])
      .when(expire())
      .thenThrows('CONFLICT', /EXPIRED/)
  })
  it('refuses a todo never posted (NOT_FOUND)', () => {
    spec.given([]).when(expire()).thenThrows('NOT_FOUND')
  })
})

describe('reminding the assignee', () => {
  it('reminds once the current reminder has come, and only once', () => {
    spec
      .given([posted, reminderAdded(earlier)])
      .when(remind(earlier))
      .then([reminded(earlier)])
    spec
      .given([posted, reminderAdded(earlier), reminded(earlier)])
      .when(remind(earlier))
      .thenThrows('CONFLICT', /already/)
  })
  it('compares reminders as instants', () => {
    spec
      .given([posted, reminderAdded(earlier)])
      .when(remind('2029-12-31T13:00:00+01:00'))
      .then([reminded(earlier)])
  })
  it('refuses a reminder that is not the current one, not due, or on a todo not OPEN (CONFLICT)', () => {
    spec
      .given([posted, reminderAdded(earlier), reminderAdded(later)])
      .when(remind(earlier))
      .thenThrows('CONFLICT', /current/)
    spec
      .given([posted])
      .when(remind(earlier))
      .thenThrows('CONFLICT', /current/)
    spec
      .given([posted, reminderAdded(later)])
      .when(remind(later))
      .thenThrows('CONFLICT', /not due/)
    spec
      .given([posted, reminderAdded(earlier), done])
      .when(remind(earlier))
      .thenThrows('CONFLICT', /DONE/)
  })
  it('reminds again after a new reminder was added', () => {
    spec
      .given([posted, reminderAdded(earlier), reminded(earlier), reminderAdded(now)])
      .when(remind(now))
      .then([reminded(now)])
  })
})
