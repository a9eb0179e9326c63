import { ActaError, ValidationError, isActaError } from './errors.js'
import type { InboxStore } from './coordination.js'
import { uuidv7 } from './ids.js'
import type { Command } from './messages.js'
import { assertName } from './transport-helpers.js'
import type { ConsumeOptions, Consumer, IncomingMessage, Transport } from './transport.js'

/** Handles one command type; typically a `commandHandler`. A `{ ok: false }` result is a refusal. */
export type CommandBusHandler = (command: Command) => Promise<unknown>

export interface CommandBusOptions {
  /** Needed for `send` and `serve`; inline `execute` works without it. */
  transport?: Transport
  /** Queue of each command type for `send`. Default `commands.<type>`. */
  routes?: Record<string, string>
  /** Called when a served command is refused (acked, not retried) — log it or reply. */
  onRefused?: (command: Command, result: unknown) => void
}

export interface ServeOptions extends ConsumeOptions {
  /** Skips messages already handled by this consumer (dedup by messageId). */
  inbox?: { store: InboxStore; consumer: string }
}

export interface CommandBus {
  /** The handler's command type decides what it receives; served messages are not validated here. */
  register<C extends Command>(type: C['type'], handler: (command: C) => Promise<unknown>): void
  /** Handles the command in this process and returns the handler's result. */
  execute(command: Command): Promise<unknown>
  /**
   * Enqueues the command on its queue; resolves once it is durably enqueued, with the message id
   * (the command's `metadata.messageId`, assigned if absent — reuse it to retry idempotently).
   */
  send(command: Command, options?: { queue?: string }): Promise<{ messageId: string; queue: string }>
  /** Consumes a queue and hands each command to its registered handler. */
  serve(queue: string, options?: ServeOptions): Promise<Consumer>
}

/**
 * Inline and asynchronous command handling. Served commands are acknowledged once handled;
 * a refusal (`{ ok: false }` or an ActaError that is not CONCURRENCY/UNAVAILABLE/TIMEOUT) is final
 * and acknowledged; other failures are redelivered by the transport and parked after its retries.
 * A command's `messageId` becomes its events' idempotency key, so a redelivered command appends nothing twice.
 */
export function commandBus(options: CommandBusOptions = {}): CommandBus {
  const handlers = new Map<string, CommandBusHandler>()
  const transport = (): Transport => {
    if (!options.transport) throw new ActaError('UNAVAILABLE', 'This command bus has no transport')
    return options.transport
  }
  const handlerFor = (type: string): CommandBusHandler => {
    const handler = handlers.get(type)
    if (!handler) throw new ActaError('NOT_FOUND', `No handler for command ${type}`, { details: { type } })
    return handler
  }
  const retriable = (error: unknown) =>
    !isActaError(error) ||
    error.code === 'CONCURRENCY' ||
    error.code === 'UNAVAILABLE' ||
    error.code === 'TIMEOUT'

  return {
    register(type, handler) {
      if (handlers.has(type)) throw new ValidationError(`A handler for ${type} is already registered`)
      handlers.set(type, handler as CommandBusHandler)
    },
    execute: async (command) => handlerFor(command.type)(command),
    async send(command, sendOptions = {}) {
      const queue = sendOptions.queue ?? options.routes?.[command.type] ?? `commands.${command.type}`
      assertName(queue, 'queue')
      const { messageId, ...rest } = command.metadata ?? {}
      const id = typeof messageId === 'string' && messageId.length > 0 ? messageId : uuidv7()
      const headers: Record<string, string | number | boolean> = { messageId: id }
      for (const [key, value] of Object.entries(rest)) {
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
          headers[key] = value
      }
      await transport().send(queue, { type: command.type, data: command.data, headers })
      return { messageId: id, queue }
    },
    async serve(queue, serveOptions = {}) {
      const { inbox, ...consume } = serveOptions
      const inFlight = new Map<string, Promise<void>>()
      return transport().consume(
        queue,
        async (message: IncomingMessage) => {
          // two copies of one message handled at once would both pass the inbox check: serialize them
          const id = message.headers.messageId
          while (inFlight.has(id)) await inFlight.get(id)
          const done = handle(message)
          inFlight.set(id, done.then(noop, noop))
          try {
            await done
          } finally {
            inFlight.delete(id)
          }
        },
        consume,
      )

      async function handle(message: IncomingMessage): Promise<void> {
        if (inbox && (await inbox.store.has(inbox.consumer, message.headers.messageId))) return
        const command: Command = { type: message.type, data: message.data, metadata: { ...message.headers } }
        // an unknown type throws here and is redelivered, then parked: replay it once a handler is deployed
        const handler = handlerFor(command.type)
        let result: unknown
        try {
          result = await handler(command)
        } catch (error) {
          if (retriable(error)) throw error
          result = { ok: false, error }
        }
        const refused =
          typeof result === 'object' && result !== null && (result as { ok?: unknown }).ok === false
        if (refused) {
          const error = (result as { error?: unknown }).error
          if (retriable(error)) throw error
          options.onRefused?.(command, result)
        }
        if (inbox) await inbox.store.record(inbox.consumer, message.headers.messageId)
      }
    },
  }
}

const noop = (): void => undefined
