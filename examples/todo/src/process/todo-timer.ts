import type { Command, ProcessManagerOutcome, StoredEvent } from '@acta/core'
import type { TodoEvent } from '../shared/messages.js'

/** Per todo: when the timer is due (a deadline, a reminder), and the id of the armed timer (null when none is). */
export type TimerState = { due: string | null; timer: string | null }

type Outcome = ProcessManagerOutcome<TimerState>

/** The three moves of one timer per todo, shared by the deadline and reminder process managers. */
export interface TodoTimer {
  /** Arms the timer at `due` for this todo, cancelling the one armed before. */
  arm(state: TimerState, event: StoredEvent<TodoEvent>, due: string): Outcome
  /** Cancels the armed timer; `due` is kept for a later `rearm`. */
  disarm(state: TimerState): Outcome
  /** Arms the timer again when none is armed and `due` is still ahead of the event. */
  rearm(state: TimerState, event: StoredEvent<TodoEvent>): Outcome
}

/**
 * A timer per todo that sends `command(todoId, due)` when due.
 *
 * @example
 * const expiry = todoTimer('expire', (todo_id) => ({ type: 'mark-todo-as-expired', data: { todo_id } }))
 */
export function todoTimer(prefix: string, command: (todoId: string, due: string) => Command): TodoTimer {
  const cancelArmed = (state: TimerState) => (state.timer ? [state.timer] : [])
  const timer: TodoTimer = {
    arm(state, event, due) {
      // a timer id is never reused: the schedule store leaves a cancelled or fired id alone forever
      const id = `${prefix}-${event.globalPosition}`
      return {
        state: { due, timer: id },
        schedule: [{ id, at: new Date(due), command: command(event.data.todo_id, due) }],
        cancel: cancelArmed(state),
      }
    },
    disarm: (state) => ({ state: { ...state, timer: null }, cancel: cancelArmed(state) }),
    rearm: (state, event) =>
      state.due !== null && state.timer === null && Date.parse(state.due) > event.recordedAt.getTime()
        ? timer.arm(state, event, state.due)
        : {},
  }
  return timer
}
