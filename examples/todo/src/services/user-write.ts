import { defineService, type ServiceDefinition } from '@acta/service'
import { registerUserSchema } from '../domain/command-schemas.js'
import { commandRoute } from './command-routes.js'
import { registerUser } from './register-user.js'

/**
 * user-write: `POST /api/commands/register-user` records UserWasRegistered (or
 * UserWasRegisteredAgain for an email already in use) and answers 202 with the event types and
 * the log position.
 *
 * @example
 * await runService(userWriteService())
 */
export function userWriteService(): ServiceDefinition {
  return defineService({
    name: 'user-write',
    setup: (ctx) => ctx.commandBus.register('register-user', registerUser({ store: ctx.store })),
    routes: (r) => [commandRoute(r, 'register-user', registerUserSchema)],
  })
}
