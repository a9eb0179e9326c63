import { NotFoundError } from '@acta/core'
import { defineService, type ServiceDefinition } from '@acta/service'
import { readAfter, startReadModels, type ReadModels } from '../read/read-models.js'
import { userList, type UserView } from '../read/user-list.js'

export interface UserReadResources {
  readonly models: ReadModels
}

/**
 * The `user-read` service: `GET /api/users` (sorted by name) and `GET /api/users/{id}`, with
 * each user's todo counts, from the `user_list` projection in the fleet's database. Every read
 * takes `?after=<position>` to wait for a write it has just made (see `readAfter`).
 *
 * @example
 * await runService(userReadService())
 */
export function userReadService(): ServiceDefinition<UserReadResources> {
  const users = (ctx: UserReadResources) => ctx.models.readSide.collection<UserView>(userList.name, 'users')
  return defineService<UserReadResources>({
    name: 'user-read',
    setup: async (ctx) => ({ models: await startReadModels(ctx, () => [userList]) }),
    routes: (r) => [
      r.query('/api/users', async (ctx, req) => {
        await readAfter(ctx.models.readSide, userList.name, req.query)
        return users(ctx).find({ orderBy: [{ field: 'name' }, { field: 'user_id' }] })
      }),
      r.query('/api/users/:id', async (ctx, req) => {
        await readAfter(ctx.models.readSide, userList.name, req.query)
        const user = await users(ctx).get(req.params.id)
        if (!user)
          throw new NotFoundError(`No user ${req.params.id} is registered`, { user_id: req.params.id })
        return user
      }),
    ],
  })
}
