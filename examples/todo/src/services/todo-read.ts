import { NotFoundError } from '@acta/core'
import { defineService, type ServiceDefinition } from '@acta/service'
import { readAfter, startReadModels, type ReadModels } from '../read/read-models.js'
import { todoList, todoView, type KnownUser, type TodoDocument } from '../read/todo-list.js'

export interface TodoReadResources {
  readonly models: ReadModels
}

/**
 * The `todo-read` service: `GET /api/todos/{id}` and `GET /api/users/{id}/todos` (in the order
 * they were posted; 404 for a user never registered), from the `todo_list` projection in the
 * fleet's database. Every read takes `?after=<position>` (see `readAfter`).
 *
 * @example
 * await runService(todoReadService())
 */
export function todoReadService(): ServiceDefinition<TodoReadResources> {
  const collection = <T extends TodoDocument | KnownUser>(ctx: TodoReadResources, name: string) =>
    ctx.models.readSide.collection<T>(todoList.name, name)
  return defineService<TodoReadResources>({
    name: 'todo-read',
    setup: async (ctx) => ({ models: await startReadModels(ctx, () => [todoList]) }),
    routes: (r) => [
      r.query('/api/users/:id/todos', async (ctx, req) => {
        await readAfter(ctx.models.readSide, todoList.name, req.query)
        const userId = req.params.id
        if (!(await collection<KnownUser>(ctx, 'todo_users').get(userId)))
          throw new NotFoundError(`No user ${userId} is registered`, { user_id: userId })
        const todos = await collection<TodoDocument>(ctx, 'todos').find({
          where: { assignee_id: userId },
          orderBy: [{ field: 'posted_at' }],
        })
        return todos.map(todoView)
      }),
      r.query('/api/todos/:id', async (ctx, req) => {
        await readAfter(ctx.models.readSide, todoList.name, req.query)
        const todo = await collection<TodoDocument>(ctx, 'todos').get(req.params.id)
        if (!todo) throw new NotFoundError(`No todo ${req.params.id} was posted`, { todo_id: req.params.id })
        return todoView(todo)
      }),
    ],
  })
}
