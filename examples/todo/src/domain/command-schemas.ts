// The payloads of the API's commands (`POST /api/commands/<name>`), as zod schemas. The write
// services validate with them (a mismatch is a 400 problem listing every issue) and the OpenAPI
// document mirrors them. Parsing normalises: texts and names are trimmed, dates become UTC ISO
// strings (`2030-01-01T10:00:00.000Z`), so events never carry an offset.
import { z } from 'zod'
import type { TodoCommandName, UserCommandName } from '../shared/messages.js'

/** Ids: 1-100 of `A-Z a-z 0-9 _ -` (a UUID fits); they become part of stream names. */
export const idPattern = /^[A-Za-z0-9_-]{1,100}$/
export const idSchema = z.string().regex(idPattern, 'must be 1-100 characters of A-Z a-z 0-9 _ -')

/** A date and time with its time zone (`Z` or `+02:00`), normalised to a UTC ISO string. */
export const dateTimeSchema = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date and time with a time zone' })
  .transform((value) => new Date(value).toISOString())

/** The text of a todo, trimmed: at least 3 characters remain, at most 1000. */
export const todoTextSchema = z.string().trim().min(3).max(1000)

/**
 * register-user. The email is kept as given (trimmed) and compared lower-cased.
 *
 * @example
 * registerUserSchema.parse({ user_id: 'u-1', name: 'Ada', email: 'ada@example.com' })
 */
export const registerUserSchema = z.strictObject({
  user_id: idSchema,
  name: z.string().trim().min(1).max(100),
  email: z.string().trim().max(254).pipe(z.email()),
})

/** post-todo: a new todo for a registered assignee. */
export const postTodoSchema = z.strictObject({
  assignee_id: idSchema,
  todo_id: idSchema,
  text: todoTextSchema,
})

/** mark-todo-as-done, reopen-todo, mark-todo-as-expired. */
export const todoIdSchema = z.strictObject({ todo_id: idSchema })

/** add-deadline-to-todo: by the assignee (`user_id`), in the future. */
export const addDeadlineSchema = z.strictObject({
  todo_id: idSchema,
  user_id: idSchema,
  deadline: dateTimeSchema,
})

/** add-reminder-to-todo: by the assignee (`user_id`), in the future. */
export const addReminderSchema = z.strictObject({
  todo_id: idSchema,
  user_id: idSchema,
  reminder: dateTimeSchema,
})

/** remind-todo-assignee: sent by the reminder process manager when the reminder falls due. */
export const remindAssigneeSchema = z.strictObject({
  todo_id: idSchema,
  reminder: dateTimeSchema,
})

/**
 * The payload schema of every command, by name.
 *
 * @example
 * const parsed = todoCommandSchemas['post-todo'].safeParse(body)
 */
export const todoCommandSchemas = {
  'post-todo': postTodoSchema,
  'mark-todo-as-done': todoIdSchema,
  'reopen-todo': todoIdSchema,
  'add-deadline-to-todo': addDeadlineSchema,
  'add-reminder-to-todo': addReminderSchema,
  'mark-todo-as-expired': todoIdSchema,
  'remind-todo-assignee': remindAssigneeSchema,
} as const satisfies Record<TodoCommandName, z.ZodType>

export const userCommandSchemas = {
  'register-user': registerUserSchema,
} as const satisfies Record<UserCommandName, z.ZodType>

export type RegisterUserInput = z.output<typeof registerUserSchema>
export type PostTodoInput = z.output<typeof postTodoSchema>
export type TodoIdInput = z.output<typeof todoIdSchema>
export type AddDeadlineInput = z.output<typeof addDeadlineSchema>
export type AddReminderInput = z.output<typeof addReminderSchema>
export type RemindAssigneeInput = z.output<typeof remindAssigneeSchema>
