import {
  defineProjection,
  type Collection,
  type ProjectionContext,
  type ProjectionDefinition,
} from '@acta/core'
import type { DomainEvent, TodoStatus } from '../shared/messages.js'

/** A todo as `GET /api/todos/{id}` and `GET /api/users/{id}/todos` show it. */
export type TodoView = {
  todo_id: string
  assignee_id: string
  text: string
  status: TodoStatus
  deadline: string | null
  reminder: string | null
}

/** As stored: the view plus the log position it was posted at, which orders a user's todos. */
export type TodoDocument = TodoView & { posted_at: number }

/** The users todo-read knows, so that the todos of an unknown user are a 404 rather than `[]`. */
export type KnownUser = { user_id: string }

const todos = (ctx: ProjectionContext): Collection<TodoDocument> => ctx.collection<TodoDocument>('todos')
const patch = async (ctx: ProjectionContext, todoId: string, changes: Partial<TodoView>) =>
  void (await todos(ctx).patch(todoId, changes))

/** The public fields of a stored todo. */
export function todoView({ posted_at: _, ...view }: TodoDocument): TodoView {
  return view
}

// typed before defineProjection: its NoInfer parameter keeps handlers from narrowing their event
const todoListDefinition: ProjectionDefinition<DomainEvent> = {
  name: 'todo_list',
  version: 1,
  collections: { todos: { indexes: ['assignee_id'] }, todo_users: {} },
  handlers: {
    UserWasRegistered: (event, ctx) =>
      ctx.collection<KnownUser>('todo_users').put(event.data.user_id, { user_id: event.data.user_id }),
    TodoWasPosted: (event, ctx) => {
      const { todo_id, assignee_id, text } = event.data
      return todos(ctx).put(todo_id, {
        todo_id,
        assignee_id,
        text,
        status: 'OPEN',
        deadline: null,
        reminder: null,
        posted_at: event.globalPosition,
      })
    },
    TodoWasMarkedAsDone: (event, ctx) => patch(ctx, event.data.todo_id, { status: 'DONE' }),
    TodoWasReopened: (event, ctx) => patch(ctx, event.data.todo_id, { status: 'OPEN' }),
    DeadlineWasAddedToTodo: (event, ctx) => patch(ctx, event.data.todo_id, { deadline: event.data.deadline }),
    TodoWasUnmarkedAsExpired: (event, ctx) => patch(ctx, event.data.todo_id, { status: 'OPEN' }),
    ReminderWasAddedToTodo: (event, ctx) => patch(ctx, event.data.todo_id, { reminder: event.data.reminder }),
    TodoWasMarkedAsExpired: (event, ctx) => patch(ctx, event.data.todo_id, { status: 'EXPIRED' }),
  },
}

/**
 * The todos of `todo-read`, by id and by assignee, and the ids of registered users.
 *
 * @example
 * readSide.register(todoList)
 * await readSide.collection<TodoDocument>('todo_list', 'todos').find({ where: { assignee_id } })
 */
export const todoList = defineProjection<DomainEvent>(todoListDefinition)
