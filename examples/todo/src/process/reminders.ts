import type { ProcessManagerDefinition } from '@acta/core'
import type { TodoEvent } from '../shared/messages.js'
import { todoTimer, type TimerState } from './todo-timer.js'

const reminder = todoTimer('remind', (todo_id, due) => ({
  type: 'remind-todo-assignee',
  data: { todo_id, reminder: due },
}))

/**
 * Reminds a todo's assignee at the reminder time through the durable scheduler: a reminder arms a
 * timer that sends `remind-todo-assignee` (replacing the previous one); a todo done or expired is
 * not reminded, and one open again is re-armed while its reminder is still ahead.
 *
 * @example
 * readSide.register(defineProcessManager(reminders, { dispatch, schedules }))
 */
export const reminders: ProcessManagerDefinition<TodoEvent, TimerState> = {
  name: 'todo_reminders',
  correlate: {
    ReminderWasAddedToTodo: (event) => event.data.todo_id,
    TodoWasMarkedAsDone: (event) => event.data.todo_id,
    TodoWasMarkedAsExpired: (event) => event.data.todo_id,
    TodoWasReopened: (event) => event.data.todo_id,
    TodoWasUnmarkedAsExpired: (event) => event.data.todo_id,
    TodoAssigneeWasReminded: (event) => event.data.todo_id,
  },
  initialState: { due: null, timer: null },
  handle(state, event) {
    switch (event.type) {
      case 'ReminderWasAddedToTodo':
        return reminder.arm(state, event, event.data.reminder)
      case 'TodoWasMarkedAsDone':
      case 'TodoWasMarkedAsExpired':
        return reminder.disarm(state)
      case 'TodoWasReopened':
      case 'TodoWasUnmarkedAsExpired':
        return reminder.rearm(state, event)
      case 'TodoAssigneeWasReminded':
        return { state: { ...state, timer: null } }
      default:
        return {}
    }
  },
}
