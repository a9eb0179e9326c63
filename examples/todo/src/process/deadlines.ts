import type { ProcessManagerDefinition } from '@acta/core'
import type { TodoEvent } from '../shared/messages.js'
import { todoTimer, type TimerState } from './todo-timer.js'

const expiry = todoTimer('expire', (todo_id) => ({ type: 'mark-todo-as-expired', data: { todo_id } }))

/**
 * Expires todos at their deadline through the durable scheduler: a deadline arms a timer that
 * sends `mark-todo-as-expired` (replacing the previous one), done disarms it, reopening or
 * unmarking re-arms it while the deadline is ahead, and the expiry ends the process.
 *
 * @example
 * readSide.register(defineProcessManager(deadlines, { dispatch, schedules }))
 */
export const deadlines: ProcessManagerDefinition<TodoEvent, TimerState> = {
  name: 'todo_deadlines',
  correlate: {
    DeadlineWasAddedToTodo: (event) => event.data.todo_id,
    TodoWasMarkedAsDone: (event) => event.data.todo_id,
    TodoWasReopened: (event) => event.data.todo_id,
    TodoWasUnmarkedAsExpired: (event) => event.data.todo_id,
    TodoWasMarkedAsExpired: (event) => event.data.todo_id,
  },
  initialState: { due: null, timer: null },
  handle(state, event) {
    switch (event.type) {
      case 'DeadlineWasAddedToTodo':
        return expiry.arm(state, event, event.data.deadline)
      case 'TodoWasMarkedAsDone':
        return expiry.disarm(state)
      case 'TodoWasReopened':
      case 'TodoWasUnmarkedAsExpired':
        return expiry.rearm(state, event)
      case 'TodoWasMarkedAsExpired':
        // by the timer, or by a mark-todo-as-expired sent before it: either way nothing is left to fire
        return { cancel: expiry.disarm(state).cancel, done: true }
      default:
        return {}
    }
  },
}
