import type {
  ConsumeOptions,
  Consumer,
  IncomingMessage,
  StoredEvent,
  SubscribeTopicsOptions,
} from '@acta/core'
import type { Context } from './context.js'
import type { ServiceMetrics } from './metrics.js'

/** What a subscription gets to run with. */
export interface SubscriptionRuntime<R extends object> {
  readonly ctx: Context<R>
  /** A context scoped to one message: its correlation id and a logger carrying it. */
  readonly scoped: (correlationId: string) => Context<R>
  readonly metrics: ServiceMetrics
}

/** A started subscription; `close()` stops taking messages and waits for those in flight. */
export interface RunningSubscription extends Consumer {
  /** False until a log subscription has caught up with the log once; /readyz waits for it. */
  readonly caughtUp: () => boolean
}

/** Something the service runs from start to stop: a topic subscription, a command queue, a log reader. */
export interface SubscriptionDefinition<R extends object = object> {
  readonly name: string
  start(runtime: SubscriptionRuntime<R>): Promise<RunningSubscription>
}

export type MessageHandler<R extends object> = (ctx: Context<R>, message: IncomingMessage) => unknown
export type LogHandler<R extends object> = (ctx: Context<R>, event: StoredEvent) => unknown

export interface LogSubscriptionOptions {
  /** Name in metrics and logs, and the checkpoint's name. Default `log`. */
  name?: string
  /**
   * Resume from the saved checkpoint and save it as it goes (at least once: after a crash, the
   * events since the last save are handled again). Default false: read the whole log from `after`,
   * which is what an in-memory read model wants.
   */
  checkpoint?: boolean
  /** Start after this global position. Default 0. */
  after?: number
}

/** The subscription helpers `subscriptions` receives, typed with the service's resources. */
export interface SubscriptionBuilder<R extends object> {
  /** Messages published to matching topics (`todo.*`, `#`): broadcast, or one member per `group`. */
  events(
    topics: readonly string[],
    handler: MessageHandler<R>,
    options?: SubscribeTopicsOptions & { name?: string },
  ): SubscriptionDefinition<R>
  /** The store's global log, catch-up then live, each event once and in order. */
  log(handler: LogHandler<R>, options?: LogSubscriptionOptions): SubscriptionDefinition<R>
  /**
   * Serves the queues of these command types (`commands.<type>`) with the handlers registered on
   * `ctx.commandBus`; redeliveries are skipped through the inbox unless `inbox: false`.
   */
  commands(
    types: readonly string[],
    options?: ConsumeOptions & { inbox?: boolean },
  ): SubscriptionDefinition<R>
}

const always = () => true

/** The untyped implementation behind every service's {@link SubscriptionBuilder}. */
export const subscriptionBuilder: SubscriptionBuilder<object> = {
  events(topics, handler, options = {}) {
    const { name = `events ${topics.join(' ')}`, ...subscribe } = options
    return {
      name,
      async start({ ctx, scoped, metrics }) {
        const consumer = await ctx.transport.subscribe(
          topics,
          async (message) => {
            const scope = scoped(message.headers.correlationId ?? message.headers.messageId)
            try {
              await handler(scope, message)
              metrics.messagesHandled.inc({ subscription: name })
            } catch (error) {
              metrics.messagesFailed.inc({ subscription: name })
              scope.logger.warn({ err: error, subscription: name, type: message.type }, 'message failed')
              throw error
            }
          },
          subscribe,
        )
        return { close: () => consumer.close(), caughtUp: always }
      },
    }
  },

  log(handler, options = {}) {
    const name = options.name ?? 'log'
    return { name, start: (runtime) => startLogSubscription(name, handler, options, runtime) }
  },

  commands(types, options = {}) {
    const { inbox = true, ...consume } = options
    return {
      name: `commands ${types.join(' ')}`,
      async start({ ctx }) {
        const consumers: Consumer[] = []
        try {
          for (const type of types) {
            const queue = `commands.${type}`
            const serveInbox = inbox ? { store: ctx.inbox, consumer: `${ctx.service}:${queue}` } : undefined
            consumers.push(await ctx.commandBus.serve(queue, { ...consume, inbox: serveInbox }))
          }
        } catch (error) {
          await Promise.all(consumers.map((c) => c.close()))
          throw error
        }
        return {
          close: async () => void (await Promise.all(consumers.map((c) => c.close()))),
          caughtUp: always,
        }
      },
    }
  },
}

async function startLogSubscription<R extends object>(
  name: string,
  handler: LogHandler<R>,
  options: LogSubscriptionOptions,
  { ctx, scoped, metrics }: SubscriptionRuntime<R>,
): Promise<RunningSubscription> {
  const stopping = new AbortController()
  const checkpoint = options.checkpoint === true
  let position = checkpoint ? ((await ctx.checkpoints.load(name)) ?? 0) : (options.after ?? 0)
  let saved = position
  let caughtUp = false
  const save = async () => {
    if (!checkpoint || saved === position) return
    const at = position
    await ctx.checkpoints.save(name, at)
    saved = at
  }
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      stopping.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
    })
  const loop = (async () => {
    let failures = 0
    while (!stopping.signal.aborted) {
      try {
        const events = ctx.store.subscribe({
          after: position,
          signal: stopping.signal,
          onCaughtUp: () => {
            caughtUp = true
            void save().catch((error: unknown) =>
              ctx.logger.warn({ err: error, subscription: name }, 'checkpoint not saved'),
            )
          },
        })
        for await (const event of events) {
          await handler(scoped(event.metadata.correlationId ?? event.eventId), event)
          position = event.globalPosition
          failures = 0
          metrics.messagesHandled.inc({ subscription: name })
          if (checkpoint && position - saved >= 100) await save()
        }
      } catch (error) {
        if (stopping.signal.aborted) break
        failures++
        metrics.messagesFailed.inc({ subscription: name })
        ctx.logger.error(
          { err: error, subscription: name, after: position },
          'log subscription failed; retrying',
        )
        await pause(Math.min(30_000, 100 * 2 ** Math.min(failures, 9)))
      }
    }
    await save()
  })()
  return {
    caughtUp: () => caughtUp,
    async close() {
      stopping.abort()
      await loop
    },
  }
}
