import { fileURLToPath } from 'node:url'
import { ValidationError, assertName, startOutboxRelay, uuidv7 } from '@acta/core'
import {
  defineService,
  runService,
  startService,
  type RunServiceOptions,
  type RunningService,
  type ServiceDefinition,
  type StartOptions,
  type SubscriptionDefinition,
} from '@acta/service'
import { channels, type Channels } from './channels.js'
import { commandOutcomes } from './command-outcomes.js'
import { connectionFrame, domainEventFrame, eventsPath } from './live-frames.js'
import { registerValueHandlers } from './value-handlers.js'
import { valueRoutes, type KeyValueResources } from './value-routes.js'
import { valuesModel } from './values-model.js'

export interface KeyValueOptions {
  /** Prefix of the fleet's queue and topics (see `channels`). Default `kv`. */
  namespace?: string
  /**
   * This replica's name in its fleet, e.g. `replica-2`: its read model's broadcast subscriber is
   * `<namespace>-<replica>`, the same across restarts. Default `replica-1`.
   */
  replica?: string
  /** How long a write waits for its outcome, and a read for `?after=`. Default 5000 ms. */
  waitTimeoutMs?: number
  /** Commands this replica handles at once from the queue. Default 16. */
  commandConcurrency?: number
  /** False for a replica that sends commands but leaves handling them to the others. Default true. */
  serveCommands?: boolean
}

const publicDir = fileURLToPath(new URL('../public', import.meta.url))

/**
 * One replica of the key-value service. Every replica is the same: it serves the command queue
 * (competing consumers), runs the outbox relay (one active by lease), keeps all keys in memory,
 * and serves the page, the API and the live websocket.
 */
export function keyValueService(options: KeyValueOptions = {}): ServiceDefinition<KeyValueResources> {
  const names: Channels = channels(options.namespace)
  const replica = options.replica ?? 'replica-1'
  const subscriberId = `${names.namespace}-${replica}`
  assertName(subscriberId, 'subscriber')
  const waitTimeoutMs = options.waitTimeoutMs ?? 5000
  if (!(Number.isInteger(waitTimeoutMs) && waitTimeoutMs > 0))
    throw new ValidationError('waitTimeoutMs must be a positive integer')
  // replies come back to this process only: a fresh id per start, and a broadcast subscription
  const replyTopic = names.replyTopic(uuidv7())

  return defineService<KeyValueResources>({
    name: 'key-value',
    async setup(ctx) {
      const outcomes = commandOutcomes()
      const values = valuesModel({
        store: ctx.store,
        transport: ctx.transport,
        topics: names.valueTopics,
        subscriberId,
        onEvent(event) {
          outcomes.eventApplied(event)
          ctx.broadcast(eventsPath, domainEventFrame(event))
        },
      })
      await values.start()
      registerValueHandlers(ctx)
      const relay = startOutboxRelay({
        store: ctx.store,
        transport: ctx.transport,
        checkpoints: ctx.checkpoints,
        leases: ctx.leases,
        topic: names.eventTopic,
        // writes wait for their event to come back through the relay: when the active replica
        // dies, another must take over within seconds, not the default ten
        leaseTtlMs: 3000,
        onError: (error) => ctx.logger.warn({ err: error }, 'outbox relay failed; retrying'),
      })
      return {
        relay: { close: () => relay.stop() },
        values,
        outcomes,
        kv: { channels: names, replyTopic, waitTimeoutMs },
      }
    },
    routes: valueRoutes,
    subscriptions: (s) => [
      ...(options.serveCommands === false
        ? []
        : [commandQueue(names.commandQueue, options.commandConcurrency ?? 16)]),
      s.events([replyTopic], (ctx, message) => ctx.outcomes.replied(message), { name: 'replies' }),
      s.events(
        names.connectionTopics,
        (ctx, message) => {
          const frame = connectionFrame(message)
          if (frame) ctx.broadcast(eventsPath, frame)
        },
        { name: 'connections' },
      ),
    ],
    static: { root: publicDir },
  })
}

/** Serves the command queue with the handlers registered in `setup`, deduplicated by the inbox. */
function commandQueue(queue: string, concurrency: number): SubscriptionDefinition<KeyValueResources> {
  return {
    name: `commands ${queue}`,
    async start({ ctx }) {
      const consumer = await ctx.commandBus.serve(queue, {
        concurrency,
        inbox: { store: ctx.inbox, consumer: `${ctx.service}:${queue}` },
      })
      return { close: () => consumer.close(), caughtUp: () => true }
    },
  }
}

/** Starts a replica (tests, embedding); see `startService`. */
export function startKeyValue(
  options: KeyValueOptions & StartOptions = {},
): Promise<RunningService<KeyValueResources>> {
  return startService(keyValueService(options), options)
}

/** Runs a replica as the process's main program; see `runService`. */
export function runKeyValue(
  options: KeyValueOptions & RunServiceOptions = {},
): Promise<RunningService<KeyValueResources>> {
  return runService(keyValueService(options), options)
}
