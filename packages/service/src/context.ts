import type { CheckpointStore, CommandBus, EventStore, InboxStore, LeaseStore, Transport } from '@acta/core'
import { ValidationError } from '@acta/core'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { ServiceConfig } from './config.js'

/**
 * What every handler receives first: the service's adapters, its command bus, logger, config and
 * metrics registry, plus the scope of the current request or message (correlation id, signal).
 */
export interface ServiceContext {
  /** The service's name, as given to `defineService`. */
  readonly service: string
  readonly config: ServiceConfig
  readonly store: EventStore
  readonly transport: Transport
  readonly checkpoints: CheckpointStore
  readonly leases: LeaseStore
  readonly inbox: InboxStore
  /** Core command bus: `register` handlers in `setup`, `execute` inline, `send` to a queue. */
  readonly commandBus: CommandBus
  /** The service's Prometheus registry: register gauges (projection lag, …) on it. */
  readonly metrics: Registry
  /** pino logger; in a request or message it carries `correlationId`. */
  readonly logger: Logger
  /** The request's or message's correlation id; undefined in `setup`. */
  readonly correlationId: string | undefined
  /**
   * Aborted when the client goes away or the request runs out of time; in `setup` and
   * subscriptions, when the service stops.
   */
  readonly signal: AbortSignal
  /**
   * Sends `data` (JSON unless a string or Buffer) to every open connection of the websocket route
   * `path`, except the connection id `except`; returns how many got it.
   */
  broadcast(path: string, data: unknown, options?: { except?: string }): number
}

/** A handler's context: the service context plus the resources `setup` returned. */
export type Context<R extends object = object> = ServiceContext & Readonly<R>

/** Names `setup` may not return, because the context already has them. */
const reserved = new Set<string>([
  'service',
  'config',
  'store',
  'transport',
  'checkpoints',
  'leases',
  'inbox',
  'commandBus',
  'metrics',
  'logger',
  'correlationId',
  'signal',
  'broadcast',
])

/** The service-wide context, with `setup`'s resources mixed in. */
export function serviceContext<R extends object>(base: ServiceContext, resources: R | undefined): Context<R> {
  if (resources === undefined) return base as Context<R>
  if (typeof resources !== 'object' || resources === null)
    throw new ValidationError('setup must return an object of resources (or nothing)')
  for (const key of Object.keys(resources))
    if (reserved.has(key))
      throw new ValidationError(`setup returned "${key}", a name the context already has`)
  return { ...base, ...resources }
}

/**
 * Builds per-scope contexts (one per request or message) that share the service context through
 * their prototype. `signalOf(owner)` is asked for the scope's signal only when a handler reads it.
 */
export function scopedContexts<R extends object, Owner>(
  service: Context<R>,
  signalOf: (owner: Owner) => AbortSignal,
): (correlationId: string, owner: Owner) => Context<R> {
  const root = service.logger
  // a class per service keeps one hidden class for every request; the logger child is made only when used
  class Scoped {
    readonly correlationId: string
    readonly #owner: Owner
    #logger: Logger | undefined
    constructor(correlationId: string, owner: Owner) {
      this.correlationId = correlationId
      this.#owner = owner
    }
    get logger(): Logger {
      return (this.#logger ??= root.child({ correlationId: this.correlationId }))
    }
    get signal(): AbortSignal {
      return signalOf(this.#owner)
    }
  }
  Object.setPrototypeOf(Scoped.prototype, service)
  return (correlationId, owner) => new Scoped(correlationId, owner) as unknown as Context<R>
}
