import { startGateway, type Gateway } from '@acta/gateway'
import { openInfrastructure, startService, type Infrastructure, type RunningService } from '@acta/service'
import { todoCommands, userCommands } from '../shared/messages.js'
import { todoReadService } from './todo-read.js'
import { todoWriteService, type TodoWriteOptions } from './todo-write.js'
import { userReadService } from './user-read.js'
import { userWriteService } from './user-write.js'

export interface WriteServicesOptions extends TodoWriteOptions {
  /** Also start user-read and todo-read, with the gateway routing the four GETs to them. */
  reads?: boolean
}

/** user-write and todo-write on one memory infrastructure, behind a gateway routing their commands. */
export interface WriteServices {
  /** The gateway's URL: `POST /api/commands/<name>` reaches the service of the command. */
  readonly url: string
  readonly userWrite: RunningService
  readonly todoWrite: RunningService
  /** user-read and todo-read, when started with `reads`. */
  readonly readers: readonly RunningService[]
  readonly gateway: Gateway
  readonly infrastructure: Infrastructure
  stop(): Promise<void>
}

/**
 * Starts the two write services in this process on memory adapters they share (so todo-write sees
 * the users user-write registers), with `reads` the two read services too, and a gateway in front.
 *
 * @example
 * const services = await startWriteServices()
 * await fetch(`${services.url}/api/commands/register-user`, { method: 'POST', ... })
 */
export async function startWriteServices(options: WriteServicesOptions = {}): Promise<WriteServices> {
  const infrastructure = await openInfrastructure({ databaseUrl: 'memory', transportUrl: 'memory' })
  const start = {
    env: {},
    infrastructure,
    config: { port: 0, logLevel: 'warn' as const, databaseUrl: 'memory', transportUrl: 'memory' },
  }
  const userWrite = await startService(userWriteService(), start)
  const todoWrite = await startService(todoWriteService(options), start)
  const readers = options.reads
    ? [await startService(userReadService(), start), await startService(todoReadService(), start)]
    : []
  const [userRead, todoRead] = readers
  const get = ['GET']
  const gateway = await startGateway({
    table: {
      services: {
        user_write: { upstreams: [userWrite.url] },
        todo_write: { upstreams: [todoWrite.url] },
        ...(userRead && todoRead
          ? { user_read: { upstreams: [userRead.url] }, todo_read: { upstreams: [todoRead.url] } }
          : {}),
      },
      routes: [
        ...(options.reads
          ? [
              { methods: get, path: '/api/users', service: 'user_read' },
              { methods: get, path: '/api/users/:id', service: 'user_read' },
              { methods: get, path: '/api/users/:id/todos', service: 'todo_read' },
              { methods: get, path: '/api/todos/:id', service: 'todo_read' },
            ]
          : []),
        ...userCommands.map((name) => ({
          methods: ['POST'],
          path: `/api/commands/${name}`,
          service: 'user_write',
        })),
        ...todoCommands.map((name) => ({
          methods: ['POST'],
          path: `/api/commands/${name}`,
          service: 'todo_write',
        })),
      ],
    },
  })
  return {
    url: gateway.url,
    userWrite,
    todoWrite,
    readers,
    gateway,
    infrastructure,
    async stop() {
      await gateway.stop()
      await Promise.all([userWrite.stop(), todoWrite.stop(), ...readers.map((reader) => reader.stop())])
      await infrastructure.close()
    },
  }
}
