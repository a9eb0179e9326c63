import type { StoredEvent } from '@acta/core'
import { describe, expect, it } from 'vitest'
import type { TodoEvent } from '../shared/messages.js'
import { deadlines } from './deadlines.js'
import { notifications } from './notifications.js'
import { reminders } from './reminders.js'

const now = new Date('2030-06-01T12:00:00.000Z')
const later = '2030-06-02T12:00:00.000Z'
const earlier = '2030-05-01T12:00:00.000Z'

/** The event as the process manager reads it: at log position `position`, recorded at `now`. */
function stored(event: TodoEvent, position: number, recordedAt = now): StoredEvent<TodoEvent> {
  return {
    ...event,
    metadata: { schemaVersion: 1 },
    eventId: `e-${position}`,
    streamId: `todo-${event.data.todo_id}`,
    streamVersion: position,
    globalPosition: position,
    recordedAt,
  }
}

const t = 't-1'
const deadlineAdded = (deadline: string): TodoEvent => ({
  type: 'DeadlineWasAddedToTodo',
  data: { todo_id: t, user_id: 'u-1', deadline },
})
const done: TodoEvent = {
  type: 'TodoWasMarkedAsDone',
  data: { todo_id: t, assignee_id: 'u-1', old_status: 'OPEN', new_status: 'DONE' },
}
const reopened: TodoEvent = {
  type: 'TodoWasReopened',
  data: { todo_id: t, assignee_id: 'u-1', status: 'OPEN' },
}
const expired: TodoEvent = {
  type: 'TodoWasMarkedAsExpired',
  data: { todo_id: t, assignee_id: 'u-1', old_status: 'OPEN', new_status: 'EXPIRED' },
}
const unmarked: TodoEvent = {
  type: 'TodoWasUnmarkedAsExpired',
  data: { todo_id: t, assignee_id: 'u-1', old_status: 'EXPIRED', new_status: 'OPEN' },
}

describe('the deadline process manager', () => {
  const fresh = deadlines.initialState

  it('schedules mark-todo-as-expired at the deadline', () => {
    const outcome = deadlines.handle(fresh, stored(deadlineAdded(later), 7))
    expect(outcome).toEqual({
      state: { due: later, timer: 'expire-7' },
      schedule: [
        {
          id: 'expire-7',
          at: new Date(later),
          command: { type: 'mark-todo-as-expired', data: { todo_id: t } },
        },
      ],
      cancel: [],
    })
  })

  it('replaces the pending timer when another deadline is added', () => {
    const outcome = deadlines.handle({ due: earlier, timer: 'expire-7' }, stored(deadlineAdded(later), 9))
    expect(outcome.cancel).toEqual(['expire-7'])
    expect(outcome.schedule?.map((timer) => timer.id)).toEqual(['expire-9'])
  })

  it('cancels the timer of a todo marked as done, keeping its deadline', () => {
    const outcome = deadlines.handle({ due: later, timer: 'expire-7' }, stored(done, 8))
    expect(outcome).toEqual({ state: { due: later, timer: null }, cancel: ['expire-7'] })
  })

  it('re-arms a reopened todo whose deadline is still ahead, under a new timer id', () => {
    const outcome = deadlines.handle({ due: later, timer: null }, stored(reopened, 10))
    expect(outcome.schedule).toEqual([
      {
        id: 'expire-10',
        at: new Date(later),
        command: { type: 'mark-todo-as-expired', data: { todo_id: t } },
      },
    ])
  })

  it('leaves a reopened todo alone when its deadline has passed', () => {
    expect(deadlines.handle({ due: earlier, timer: null }, stored(reopened, 10))).toEqual({})
  })

  it('does not arm twice when a deadline added to an expired todo unmarks it', () => {
    const added = deadlines.handle(fresh, stored(deadlineAdded(later), 11))
    expect(deadlines.handle(added.state!, stored(unmarked, 12))).toEqual({})
  })

  it('ends with the expiry, cancelling a timer that had not fired yet', () => {
    expect(deadlines.handle({ due: later, timer: 'expire-7' }, stored(expired, 13))).toEqual({
      cancel: ['expire-7'],
      done: true,
    })
  })
})

describe('the reminder process manager', () => {
  const reminderAdded = (reminder: string): TodoEvent => ({
    type: 'ReminderWasAddedToTodo',
    data: { todo_id: t, user_id: 'u-1', reminder },
  })

  it('schedules remind-todo-assignee with the reminder at the reminder time', () => {
    const outcome = reminders.handle(reminders.initialState, stored(reminderAdded(later), 3))
    expect(outcome.schedule).toEqual([
      {
        id: 'remind-3',
        at: new Date(later),
        command: { type: 'remind-todo-assignee', data: { todo_id: t, reminder: later } },
      },
    ])
  })

  it('cancels the reminder of a todo done or expired, and re-arms it when open again before it', () => {
    const armed = { due: later, timer: 'remind-3' }
    expect(reminders.handle(armed, stored(done, 4)).cancel).toEqual(['remind-3'])
    expect(reminders.handle(armed, stored(expired, 4)).cancel).toEqual(['remind-3'])
    const reopenedOutcome = reminders.handle({ due: later, timer: null }, stored(reopened, 5))
    expect(reopenedOutcome.schedule?.[0]?.id).toBe('remind-5')
  })

  it('forgets the timer once the assignee was reminded', () => {
    const outcome = reminders.handle(
      { due: later, timer: 'remind-3' },
      stored({ type: 'TodoAssigneeWasReminded', data: { todo_id: t, user_id: 'u-1', reminder: later } }, 6),
    )
    expect(outcome).toEqual({ state: { due: later, timer: null } })
  })
})

describe('the notification process manager', () => {
  const posted: TodoEvent = {
    type: 'TodoWasPosted',
    data: { todo_id: t, assignee_id: 'u-1', text: 'file the taxes', status: 'OPEN' },
  }

  it('mails "Todo expired" to the assignee, naming the todo and its deadline', () => {
    const afterPost = notifications.handle(notifications.initialState, stored(posted, 1)).state!
    const withDeadline = notifications.handle(afterPost, stored(deadlineAdded(later), 2)).state!
    const outcome = notifications.handle(withDeadline, stored(expired, 3))
    expect(outcome.commands).toEqual([
      {
        type: 'send-mail',
        data: {
          user_id: 'u-1',
          subject: 'Todo expired',
          todo_id: t,
          text: `Your todo "file the taxes" expired: its deadline ${later} has passed.`,
        },
      },
    ])
  })

  it('mails "Todo reminder" to the reminded user', () => {
    const afterPost = notifications.handle(notifications.initialState, stored(posted, 1)).state!
    const reminded: TodoEvent = {
      type: 'TodoAssigneeWasReminded',
      data: { todo_id: t, user_id: 'u-1', reminder: later },
    }
    const [mail] = notifications.handle(afterPost, stored(reminded, 2)).commands ?? []
    expect(mail).toMatchObject({ type: 'send-mail', data: { user_id: 'u-1', subject: 'Todo reminder' } })
    expect((mail?.data as { text: string }).text).toContain('"file the taxes"')
  })
})
