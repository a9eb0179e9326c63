import { ActaError, type Command, type Decider } from '@acta/core'
import type { TodoEvent, TodoStatus } from '../shared/messages.js'
import type {
  AddDeadlineInput,
  AddReminderInput,
  PostTodoInput,
  RemindAssigneeInput,
  TodoIdInput,
} from './command-schemas.js'

/**
 * What the handler knows when a command arrives, so that `decide` stays pure: `now` (UTC ISO
 * string, the server's clock) and, for a command naming a user, whether that user is registered.
 */
export interface Now {
  readonly now: string
}
export interface UserKnown {
  /** True when `user-<id>` of the user the command names exists. */
  readonly user_registered: boolean
}

export type PostTodo = Command<'post-todo', PostTodoInput & Now & UserKnown>
export type MarkTodoAsDone = Command<'mark-todo-as-done', TodoIdInput & Now>
export type ReopenTodo = Command<'reopen-todo', TodoIdInput & Now>
export type AddDeadlineToTodo = Command<'add-deadline-to-todo', AddDeadlineInput & Now & UserKnown>
export type AddReminderToTodo = Command<'add-reminder-to-todo', AddReminderInput & Now & UserKnown>
export type MarkTodoAsExpired = Command<'mark-todo-as-expired', TodoIdInput & Now>
export type RemindTodoAssignee = Command<'remind-todo-assignee', RemindAssigneeInput & Now>
export type TodoCommand =
  | PostTodo
  | MarkTodoAsDone
  | ReopenTodo
  | AddDeadlineToTodo
  | AddReminderToTodo
  | MarkTodoAsExpired
  | RemindTodoAssignee

/** One todo as folded from `todo-<id>`; `deadline` and `reminder` are UTC ISO strings or null. */
export type TodoState =
  | { readonly posted: false }
  | {
      readonly posted: true
      readonly todo_id: string
      readonly assignee_id: string
      readonly text: string
      readonly status: TodoStatus
      readonly deadline: string | null
      readonly reminder: string | null
      /** True once the assignee was reminded of the current reminder. */
      readonly reminded: boolean
    }
type Posted = Extract<TodoState, { posted: true }>

const refuse = (
  code: 'NOT_FOUND' | 'FORBIDDEN' | 'VALIDATION' | 'CONFLICT',
  message: string,
  todo_id: string,
) => new ActaError(code, message, { details: { todo_id } })

/** ISO strings in UTC compare as instants once both are normalised to the same form. */
const instant = (iso: string) => Date.parse(iso)

/**
 * The todo of one stream, with proophessor-do's rules. Refusals are checked in this order: unknown
 * todo or user (NOT_FOUND), not the assignee (FORBIDDEN), a date not in the future (VALIDATION),
 * then what the todo's state forbids (CONFLICT).
 *
 * @example
 * deciderSpec(todoDecider).given([posted]).when(markAsDone).then([{ type: 'TodoWasMarkedAsDone', data }])
 */
export const todoDecider: Decider<TodoCommand, TodoEvent, TodoState> = {
  initialState: () => ({ posted: false }),
  evolve,
  decide: (command, state) => {
    const { todo_id } = command.data
    if (command.type === 'post-todo') {
      if (!command.data.user_registered)
        throw new ActaError('NOT_FOUND', `No user ${command.data.assignee_id} is registered`, {
          details: { user_id: command.data.assignee_id },
        })
      if (state.posted) throw refuse('CONFLICT', `Todo ${todo_id} was already posted`, todo_id)
      const { assignee_id, text } = command.data
      return [{ type: 'TodoWasPosted', data: { todo_id, assignee_id, text, status: 'OPEN' } }]
    }
    if (!state.posted) throw refuse('NOT_FOUND', `No todo ${todo_id} was posted`, todo_id)
    return decideOnPosted(command, state)
  },
}

function decideOnPosted(command: Exclude<TodoCommand, PostTodo>, todo: Posted): TodoEvent[] {
  const { todo_id, assignee_id, status } = todo
  switch (command.type) {
    case 'mark-todo-as-done':
      if (status !== 'OPEN') throw refuse('CONFLICT', `Todo ${todo_id} is ${status}, not OPEN`, todo_id)
      return [
        {
          type: 'TodoWasMarkedAsDone',
          data: { todo_id, assignee_id, old_status: status, new_status: 'DONE' },
        },
      ]
    case 'reopen-todo':
      if (status !== 'DONE') throw refuse('CONFLICT', `Todo ${todo_id} is ${status}, not DONE`, todo_id)
      return [{ type: 'TodoWasReopened', data: { todo_id, assignee_id, status: 'OPEN' } }]
    case 'add-deadline-to-todo': {
      const { user_id, deadline, now } = command.data
      checkAssigneeAndDate(todo, command.data, deadline, now, 'deadline')
      if (status === 'DONE') throw refuse('CONFLICT', `Todo ${todo_id} is DONE: no deadline`, todo_id)
      const added: TodoEvent = { type: 'DeadlineWasAddedToTodo', data: { todo_id, user_id, deadline } }
      if (status !== 'EXPIRED') return [added]
      return [
        added,
        {
          type: 'TodoWasUnmarkedAsExpired',
          data: { todo_id, assignee_id, old_status: 'EXPIRED', new_status: 'OPEN' },
        },
      ]
    }
    case 'add-reminder-to-todo': {
      const { user_id, reminder, now } = command.data
      checkAssigneeAndDate(todo, command.data, reminder, now, 'reminder')
      if (status === 'DONE') throw refuse('CONFLICT', `Todo ${todo_id} is DONE: no reminder`, todo_id)
      return [{ type: 'ReminderWasAddedToTodo', data: { todo_id, user_id, reminder } }]
    }
    case 'mark-todo-as-expired': {
      if (status !== 'OPEN') throw refuse('CONFLICT', `Todo ${todo_id} is ${status}, not OPEN`, todo_id)
      if (todo.deadline === null) throw refuse('CONFLICT', `Todo ${todo_id} has no deadline`, todo_id)
      if (instant(command.data.now) < instant(todo.deadline))
        throw refuse('CONFLICT', `The deadline of todo ${todo_id} has not passed yet`, todo_id)
      return [
        {
          type: 'TodoWasMarkedAsExpired',
          data: { todo_id, assignee_id, old_status: status, new_status: 'EXPIRED' },
        },
      ]
    }
    case 'remind-todo-assignee': {
      const { reminder, now } = command.data
      if (todo.reminder === null || instant(todo.reminder) !== instant(reminder))
        throw refuse('CONFLICT', `${reminder} is not the current reminder of todo ${todo_id}`, todo_id)
      if (todo.reminded)
        throw refuse('CONFLICT', `The assignee of todo ${todo_id} was already reminded`, todo_id)
      if (instant(now) < instant(reminder))
        throw refuse('CONFLICT', `The reminder of todo ${todo_id} is not due yet`, todo_id)
      if (status !== 'OPEN') throw refuse('CONFLICT', `Todo ${todo_id} is ${status}, not OPEN`, todo_id)
      return [
        { type: 'TodoAssigneeWasReminded', data: { todo_id, user_id: assignee_id, reminder: todo.reminder } },
      ]
    }
  }
}

/** Unknown user (404), then not the assignee (403), then a date not in the future (400). */
function checkAssigneeAndDate(
  todo: Posted,
  data: UserKnown & { user_id: string },
  date: string,
  now: string,
  what: 'deadline' | 'reminder',
): void {
  if (!data.user_registered)
    throw new ActaError('NOT_FOUND', `No user ${data.user_id} is registered`, {
      details: { user_id: data.user_id },
    })
  if (data.user_id !== todo.assignee_id)
    throw refuse('FORBIDDEN', `Only the assignee of todo ${todo.todo_id} may add a ${what}`, todo.todo_id)
  if (instant(date) <= instant(now))
    throw new ActaError('VALIDATION', `The ${what} must be in the future`, {
      details: { todo_id: todo.todo_id, [what]: date, now },
    })
}

function evolve(state: TodoState, event: TodoEvent): TodoState {
  if (event.type === 'TodoWasPosted') {
    const { todo_id, assignee_id, text } = event.data
    return {
      posted: true,
      todo_id,
      assignee_id,
      text,
      status: 'OPEN',
      deadline: null,
      reminder: null,
      reminded: false,
    }
  }
  if (!state.posted) return state
  switch (event.type) {
    case 'TodoWasMarkedAsDone':
      return { ...state, status: 'DONE' }
    case 'TodoWasReopened':
    case 'TodoWasUnmarkedAsExpired':
      return { ...state, status: 'OPEN' }
    case 'TodoWasMarkedAsExpired':
      return { ...state, status: 'EXPIRED' }
    case 'DeadlineWasAddedToTodo':
      return { ...state, deadline: event.data.deadline }
    case 'ReminderWasAddedToTodo':
      return { ...state, reminder: event.data.reminder, reminded: false }
    case 'TodoAssigneeWasReminded':
      return { ...state, reminded: true }
  }
}
