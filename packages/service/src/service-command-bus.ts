import { ActaError, isActaError, type Command, type CommandBus, type HandleOptions } from '@acta/core'
import type { ServiceMetrics } from './metrics.js'

/** A registered handler, called with the options a command route passes (If-Match). */
export type OptionsHandler = (command: Command, options?: HandleOptions) => Promise<unknown>

/** The core command bus, counting outcomes and keeping handlers for inline routes. */
export interface ServiceCommandBus extends CommandBus {
  /** The handler registered for `type`; throws INTERNAL when none is (a wiring bug, not a client error). */
  handlerFor(type: string): OptionsHandler
}

/**
 * Wraps `bus` so that every registered handler counts handled and refused commands, and inline
 * command routes can call a handler with `{ expectedVersion }` (the core bus's `execute` cannot).
 */
export function serviceCommandBus(bus: CommandBus, metrics: ServiceMetrics): ServiceCommandBus {
  const handlers = new Map<string, OptionsHandler>()
  return {
    register(type, handler) {
      const counted: OptionsHandler = (command, options) =>
        countOutcome(command.type, metrics, (handler as OptionsHandler)(command, options))
      bus.register(type, counted)
      handlers.set(type, counted)
    },
    execute: (command) => bus.execute(command),
    send: (command, options) => bus.send(command, options),
    serve: (queue, options) => bus.serve(queue, options),
    handlerFor(type) {
      const handler = handlers.get(type)
      if (!handler)
        throw new ActaError('INTERNAL', `No handler is registered for command ${type}`, { details: { type } })
      return handler
    },
  }
}

/** Counts a command's outcome: a `{ ok: false }` result or a thrown ActaError is a refusal. */
export async function countOutcome(
  type: string,
  metrics: ServiceMetrics,
  outcome: Promise<unknown>,
): Promise<unknown> {
  let result: unknown
  try {
    result = await outcome
  } catch (error) {
    if (isActaError(error)) metrics.commandsRefused.inc({ type, code: error.code })
    throw error
  }
  const refusal = refusalOf(result)
  if (refusal) metrics.commandsRefused.inc({ type, code: isActaError(refusal) ? refusal.code : 'INTERNAL' })
  else metrics.commandsHandled.inc({ type })
  return result
}

/** The error of a `{ ok: false, error }` result, or undefined. */
export function refusalOf(result: unknown): unknown {
  if (typeof result !== 'object' || result === null || (result as { ok?: unknown }).ok !== false)
    return undefined
  return (result as { error?: unknown }).error ?? new ActaError('INTERNAL', 'The command was refused')
}
