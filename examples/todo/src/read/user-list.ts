import {
  defineProjection,
  type Collection,
  type ProjectionContext,
  type ProjectionDefinition,
} from '@acta/core'
import type { DomainEvent, TodoStatus } from '../shared/messages.js'

/** A user as `GET /api/users` and `GET /api/users/{id}` show it. */
export type UserView = {
  user_id: string
  name: string
  email: string
  open_todos: number
  done_todos: number
  expired_todos: number
}

const counterOf = {
  OPEN: 'open_todos',
  DONE: 'done_todos',
  EXPIRED: 'expired_todos',
} as const satisfies Record<TodoStatus, keyof UserView>

const users = (ctx: ProjectionContext): Collection<UserView> => ctx.collection<UserView>('users')

/** Moves one todo of `userId` from one status count to another (`from` undefined: a new todo). */
async function move(ctx: ProjectionContext, userId: string, from: TodoStatus | undefined, to: TodoStatus) {
  const user = await users(ctx).get(userId)
  // a todo's assignee is registered before it (todo-write checks), so a miss is a foreign event
  if (!user) return
  const changed = { ...user, [counterOf[to]]: user[counterOf[to]] + 1 }
  if (from) changed[counterOf[from]] = Math.max(0, user[counterOf[from]] - 1)
  await users(ctx).put(userId, changed)
}

// typed before defineProjection: its NoInfer parameter keeps handlers from narrowing their event
const userListDefinition: ProjectionDefinition<DomainEvent> = {
  name: 'user_list',
  version: 1,
  collections: { users: {} },
  handlers: {
    UserWasRegistered: async (event, ctx) => {
      const { user_id, name, email } = event.data
      if (await users(ctx).get(user_id)) return
      await users(ctx).put(user_id, { user_id, name, email, open_todos: 0, done_todos: 0, expired_todos: 0 })
    },
    TodoWasPosted: (event, ctx) => move(ctx, event.data.assignee_id, undefined, 'OPEN'),
    TodoWasMarkedAsDone: (event, ctx) => move(ctx, event.data.assignee_id, event.data.old_status, 'DONE'),
    TodoWasReopened: (event, ctx) => move(ctx, event.data.assignee_id, 'DONE', 'OPEN'),
    TodoWasMarkedAsExpired: (event, ctx) =>
      move(ctx, event.data.assignee_id, event.data.old_status, 'EXPIRED'),
    TodoWasUnmarkedAsExpired: (event, ctx) => move(ctx, event.data.assignee_id, 'EXPIRED', 'OPEN'),
  },
}

/**
 * The users of `user-read`, with their todo counts by status. Registering an email again
 * (`UserWasRegisteredAgain`) keeps the user as first registered: the name does not change.
 *
 * @example
 * readSide.register(userList)
 * await readSide.collection<UserView>('user_list', 'users').find({ orderBy: [{ field: 'name' }] })
 */
export const userList = defineProjection<DomainEvent>(userListDefinition)
