import {
  ActaError,
  commandHandler,
  type Command,
  type CommandResult,
  type EventStore,
  type HandleOptions,
} from '@acta/core'
import { z } from 'zod'
import { todoCommandSchemas } from '../domain/command-schemas.js'
import { todoDecider, type TodoCommand, type TodoState } from '../domain/todo-decider.js'
import { todoStream, userStream, type TodoCommandName, type TodoEvent } from '../shared/messages.js'

export interface TodoCommandsOptions {
  store: EventStore
  /** The server's clock, which decides what is past and what is due. Default: `new Date()`. */
  clock?: () => Date
}

/** Handles one todo command, whether from a route or a queue; a refusal is `{ ok: false, error }`. */
export type TodoCommandsHandler = (
  command: Command,
  options?: HandleOptions,
) => Promise<CommandResult<TodoEvent, TodoState>>

// queued commands are not validated by the bus; unknown keys are dropped rather than refused there
const queuedSchemas = Object.fromEntries(
  Object.entries(todoCommandSchemas).map(([name, schema]) => [name, z.object(schema.shape)]),
) as Record<string, z.ZodType>

/**
 * The handler of every todo command: validates the payload, adds what the decider must know
 * (`now`, and whether the user it names is registered — read from `user-<id>`, so a todo can be
 * posted right after its assignee registered) and runs the todo decider on `todo-<todo_id>`.
 *
 * @example
 * const handle = todoCommands({ store })
 * for (const name of todoCommandNames) ctx.commandBus.register(name, handle)
 */
export function todoCommands(options: TodoCommandsOptions): TodoCommandsHandler {
  const { store } = options
  const clock = options.clock ?? (() => new Date())
  const handle = commandHandler({
    decider: todoDecider,
    store,
    streamId: (command) => todoStream(command.data.todo_id),
    retryOnConflict: 3,
  })
  return async (command, handleOptions) => {
    const schema = queuedSchemas[command.type]
    if (!schema) return { ok: false, error: new ActaError('NOT_FOUND', `No todo command ${command.type}`) }
    const parsed = schema.safeParse(command.data)
    if (!parsed.success)
      return {
        ok: false,
        error: new ActaError('VALIDATION', `Invalid ${command.type}: ${z.prettifyError(parsed.error)}`),
      }
    const data: Record<string, unknown> = { ...(parsed.data as object), now: clock().toISOString() }
    const named = data.assignee_id ?? data.user_id
    if (typeof named === 'string')
      data.user_registered = (await store.readStream(userStream(named), { limit: 1 })).exists
    const typed = { type: command.type as TodoCommandName, data, metadata: command.metadata }
    return handle(typed as unknown as TodoCommand, handleOptions)
  }
}
