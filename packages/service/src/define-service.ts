import { ValidationError } from '@acta/core'
import type { ServiceContext } from './context.js'
import type { RouteBuilder, RouteDefinition } from './routes.js'
import type { SubscriptionBuilder, SubscriptionDefinition } from './subscriptions.js'

/**
 * A service: resources made once, routes and subscriptions run with them. `R` is what `setup`
 * returns; every handler's context carries it.
 */
export interface ServiceDefinition<R extends object = object> {
  /** 1-64 of `A-Z a-z 0-9 _ -`: the `service` label on metrics and logs, the inbox consumer prefix. */
  readonly name: string
  /**
   * Runs once before the listener opens: register command handlers on `ctx.commandBus`, open pools,
   * build read models. The object returned is mixed into every handler's context; its members
   * with `close()` or `[Symbol.asyncDispose]()` are closed on stop, in reverse order.
   */
  readonly setup?: (ctx: ServiceContext) => R | void | Promise<R | void>
  /** HTTP, command, query and websocket routes, built with the helpers passed in. */
  readonly routes?: (r: RouteBuilder<R>) => readonly RouteDefinition<R>[]
  /** Topic subscriptions, command queues and log readers, started before the listener opens. */
  readonly subscriptions?: (s: SubscriptionBuilder<R>) => readonly SubscriptionDefinition<R>[]
  /** Files under `root` served at `prefix` (default `/`). */
  readonly static?: {
    readonly root: string
    readonly prefix?: string
    /** Headers of every static file (a Content-Security-Policy, caching…). */
    readonly headers?: Readonly<Record<string, string>>
  }
}

const namePattern = /^[A-Za-z0-9_-]{1,64}$/

/**
 * Declares a service. Nothing runs until `startService` or `runService`.
 *
 * @example
 * const service = defineService({
 *   name: 'greeter',
 *   setup: () => ({ greetings: new Map<string, string>() }),
 *   routes: (r) => [r.get('/greetings/:name', (ctx, req) => ctx.greetings.get(req.params.name) ?? 'hello')],
 * })
 * await runService(service)
 */
export function defineService<R extends object = object>(
  definition: ServiceDefinition<R>,
): ServiceDefinition<R> {
  if (!namePattern.test(definition.name))
    throw new ValidationError(`Service name "${definition.name}" must be 1-64 of A-Z a-z 0-9 _ -`)
  return definition
}

/** Resources of `setup` that can be closed, in the order to close them (reverse of creation). */
export function closableResources(resources: object | undefined): (() => Promise<void>)[] {
  if (!resources) return []
  const closers: (() => Promise<void>)[] = []
  for (const value of Object.values(resources)) {
    if (typeof value !== 'object' || value === null) continue
    const dispose = (value as { [Symbol.asyncDispose]?: unknown })[Symbol.asyncDispose]
    const close = (value as { close?: unknown }).close
    if (typeof dispose === 'function') closers.push(async () => void (await dispose.call(value)))
    else if (typeof close === 'function') closers.push(async () => void (await close.call(value)))
  }
  return closers.reverse()
}
