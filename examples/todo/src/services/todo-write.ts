import { defineService, type ServiceDefinition } from '@acta/service'
import { todoCommandSchemas } from '../domain/command-schemas.js'
import { todoCommands as todoCommandNames } from '../shared/messages.js'
import { commandRoute } from './command-routes.js'
import { todoCommands } from './todo-commands.js'

export interface TodoWriteOptions {
  /** The clock that decides what is past and what is due. Default: `new Date()`. */
  clock?: () => Date
}

/** The commands the process managers send through the command bus (queues `commands.<name>`). */
export const queuedTodoCommands = ['mark-todo-as-expired', 'remind-todo-assignee'] as const

/**
 * todo-write: `POST /api/commands/<name>` for every todo command (202 with the event types and the
 * log position), and the queues of the commands the process managers send, deduplicated through
 * the inbox. A queued command the todo refuses (it was done meanwhile, the reminder changed) is
 * acknowledged and logged, not retried.
 *
 * @example
 * await runService(todoWriteService())
 */
export function todoWriteService(options: TodoWriteOptions = {}): ServiceDefinition {
  return defineService({
    name: 'todo-write',
    setup: (ctx) => {
      const handle = todoCommands({ store: ctx.store, clock: options.clock })
      for (const name of todoCommandNames) ctx.commandBus.register(name, handle)
    },
    routes: (r) => todoCommandNames.map((name) => commandRoute(r, name, todoCommandSchemas[name])),
    subscriptions: (s) => [s.commands(queuedTodoCommands)],
  })
}
