// The todo application's message contract: every event each service records or reads, and every
// command name the API and the process managers send. Write services record these events; read
// services, process managers and the mailer read them from the log. Data is snake_case, as in
// proophessor-do; dates are ISO 8601 strings.
import { createHash } from 'node:crypto'
import type { Event } from '@acta/core'

export type TodoStatus = 'OPEN' | 'DONE' | 'EXPIRED'

/** Stream of one user: `user-<user_id>`. */
export const userStream = (userId: string) => `user-${userId}`
/** Stream of one todo: `todo-<todo_id>`. */
export const todoStream = (todoId: string) => `todo-${todoId}`

export type UserWasRegistered = Event<'UserWasRegistered', { user_id: string; name: string; email: string }>
/** An email already in use was registered again: recorded on the user who holds it. */
export type UserWasRegisteredAgain = Event<
  'UserWasRegisteredAgain',
  { user_id: string; name: string; email: string }
>
export type UserEvent = UserWasRegistered | UserWasRegisteredAgain

/**
 * Stream of the claim on one email address: `user_email-<sha256 hex of the lower-cased email>`.
 * Internal to user-write (see {@link UserEmailWasClaimed}).
 */
export const userEmailStream = (email: string) =>
  `user_email-${createHash('sha256').update(email.toLowerCase()).digest('hex')}`

/**
 * Internal to user-write, recorded on {@link userEmailStream} just before the claiming user's
 * UserWasRegistered: the email belongs to `user_id`. It keeps emails unique across users without a
 * transaction over two streams (the claim is appended with an expected version). A claim whose user
 * was never registered (a crash between the two appends) is completed by the next registration of
 * that email. Read services, process managers and the mailer ignore it.
 */
export type UserEmailWasClaimed = Event<
  'UserEmailWasClaimed',
  { user_id: string; name: string; email: string }
>

export type TodoWasPosted = Event<
  'TodoWasPosted',
  { todo_id: string; assignee_id: string; text: string; status: 'OPEN' }
>
export type TodoWasMarkedAsDone = Event<
  'TodoWasMarkedAsDone',
  { todo_id: string; assignee_id: string; old_status: TodoStatus; new_status: 'DONE' }
>
export type TodoWasReopened = Event<
  'TodoWasReopened',
  { todo_id: string; assignee_id: string; status: 'OPEN' }
>
export type DeadlineWasAddedToTodo = Event<
  'DeadlineWasAddedToTodo',
  { todo_id: string; user_id: string; deadline: string }
>
/** A deadline was added to an EXPIRED todo: it is OPEN again (recorded right after DeadlineWasAddedToTodo). */
export type TodoWasUnmarkedAsExpired = Event<
  'TodoWasUnmarkedAsExpired',
  { todo_id: string; assignee_id: string; old_status: 'EXPIRED'; new_status: 'OPEN' }
>
export type ReminderWasAddedToTodo = Event<
  'ReminderWasAddedToTodo',
  { todo_id: string; user_id: string; reminder: string }
>
export type TodoWasMarkedAsExpired = Event<
  'TodoWasMarkedAsExpired',
  { todo_id: string; assignee_id: string; old_status: TodoStatus; new_status: 'EXPIRED' }
>
export type TodoAssigneeWasReminded = Event<
  'TodoAssigneeWasReminded',
  { todo_id: string; user_id: string; reminder: string }
>
export type TodoEvent =
  | TodoWasPosted
  | TodoWasMarkedAsDone
  | TodoWasReopened
  | DeadlineWasAddedToTodo
  | TodoWasUnmarkedAsExpired
  | ReminderWasAddedToTodo
  | TodoWasMarkedAsExpired
  | TodoAssigneeWasReminded

export type DomainEvent = UserEvent | TodoEvent

/** Commands of the HTTP API (`POST /api/commands/<name>`), by the service that handles them. */
export const userCommands = ['register-user'] as const
export const todoCommands = [
  'post-todo',
  'mark-todo-as-done',
  'reopen-todo',
  'add-deadline-to-todo',
  'add-reminder-to-todo',
  'mark-todo-as-expired',
  'remind-todo-assignee',
] as const
export type UserCommandName = (typeof userCommands)[number]
export type TodoCommandName = (typeof todoCommands)[number]

/** Sent by the process managers to the mailer service (queue `commands.send-mail`). */
export interface SendMail {
  type: 'send-mail'
  data: { user_id: string; subject: 'Todo expired' | 'Todo reminder'; todo_id: string; text: string }
}
