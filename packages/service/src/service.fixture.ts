import { ActaError, commandHandler, type Command, type Decider, type Event } from '@acta/core'
import { pino, type Logger } from 'pino'
import { startService, type RunningService, type StartOptions } from './start-service.js'
import type { ServiceDefinition } from './define-service.js'

export type PutValue = Command<'put-value', { key: string; value: string }>
export type DeleteValue = Command<'delete-value', { key: string }>
export type ValuePut = Event<'ValuePut', { key: string; value: string }>
export type ValueDeleted = Event<'ValueDeleted', { key: string }>

/** A key-value decider: one stream per key. */
export const keyValue: Decider<PutValue | DeleteValue, ValuePut | ValueDeleted, string | undefined> = {
  initialState: () => undefined,
  evolve: (_, event) => (event.type === 'ValuePut' ? event.data.value : undefined),
  decide: (command, value) => {
    if (command.type === 'put-value') return { type: 'ValuePut', data: command.data }
    if (value === undefined) throw new ActaError('NOT_FOUND', `No value under ${command.data.key}`)
    return { type: 'ValueDeleted', data: { key: command.data.key } }
  },
}

/** The key-value decider behind the core command pipeline, for `commandBus.register`. */
export function keyValueHandler(store: Parameters<typeof commandHandler>[0]['store']) {
  return commandHandler({ decider: keyValue, store, streamId: (c) => `value-${c.data.key}` })
}

/** A logger that keeps its lines in memory. */
export function memoryLogger(level = 'info'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const logger = pino(
    { level },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  )
  return { logger, lines }
}

/** Starts a service on memory adapters, port 0 on 127.0.0.1, logging into memory. */
export async function startTestService<R extends object>(
  service: ServiceDefinition<R>,
  options: StartOptions = {},
): Promise<RunningService<R> & { lines: Record<string, unknown>[] }> {
  const { logger, lines } = memoryLogger()
  const running = await startService(service, {
    env: {},
    logger,
    ...options,
    config: { port: 0, databaseUrl: 'memory', transportUrl: 'memory', ...options.config },
  })
  return Object.assign(running, { lines })
}
