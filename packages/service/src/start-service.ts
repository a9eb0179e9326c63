import type { AddressInfo } from 'node:net'
import { ActaError, commandBus } from '@acta/core'
import type { FastifyInstance } from 'fastify'
import { pino, type Logger } from 'pino'
import type { Registry } from 'prom-client'
import { loadConfig, type ServiceConfig } from './config.js'
import { scopedContexts, serviceContext, type Context, type ServiceContext } from './context.js'
import { closableResources, type ServiceDefinition } from './define-service.js'
import { httpServer } from './http-server.js'
import { inflightRequests, type InflightRequest } from './inflight-requests.js'
import { openInfrastructure, type Infrastructure } from './infrastructure.js'
import { serviceMetrics } from './metrics.js'
import { timeoutProblem } from './problem.js'
import { checkReadiness } from './readiness.js'
import { routeBuilder } from './routes.js'
import { sendProblem } from './send-response.js'
import { serviceCommandBus } from './service-command-bus.js'
import { subscriptionBuilder, type RunningSubscription } from './subscriptions.js'
import { websocketHub } from './websocket-hub.js'

export interface StartOptions {
  /** Read for the configuration (see `loadConfig`). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  /** Settings that win over the environment's, e.g. `{ port: 0 }` in tests. */
  config?: Partial<ServiceConfig>
  /** Adapters to use instead of opening them from the URLs; the caller keeps them (not closed on stop). */
  infrastructure?: Infrastructure
  /** Default: pino on stdout at `LOG_LEVEL`, named after the service. */
  logger?: Logger
}

/** A started service. */
export interface RunningService<R extends object = object> {
  /** `http://host:port` the listener is bound to. */
  readonly url: string
  readonly port: number
  /** The service-wide context (adapters, bus, resources): for tests and embedding. */
  readonly context: Context<R>
  /** The Prometheus registry /metrics serves: register gauges (projection lag, …) on it. */
  readonly metrics: Registry
  /** The Fastify instance, for `inject` in tests. Routes cannot be added once started. */
  readonly server: FastifyInstance
  /**
   * Graceful stop: /readyz answers 503, websockets close with 1001, the listener closes and
   * in-flight requests finish (up to `shutdownTimeoutMs`, then they are aborted), subscriptions stop
   * after their in-flight messages, then resources and adapters close. Safe to call twice.
   */
  stop(): Promise<void>
}

/**
 * Starts a service: opens the adapters, runs `setup`, starts subscriptions, then listens.
 *
 * @example
 * const running = await startService(service, { config: { port: 0, databaseUrl: 'memory', transportUrl: 'memory' } })
 * await fetch(`${running.url}/healthz`)
 * await running.stop()
 */
export async function startService<R extends object>(
  service: ServiceDefinition<R>,
  options: StartOptions = {},
): Promise<RunningService<R>> {
  const config: ServiceConfig = Object.freeze({
    ...loadConfig(options.env ?? process.env),
    ...options.config,
  })
  const logger = options.logger ?? pino({ name: service.name, level: config.logLevel })
  const infra = options.infrastructure ?? (await openInfrastructure(config))
  const closeInfrastructure = options.infrastructure ? async () => undefined : () => infra.close()
  const metrics = serviceMetrics(service.name)
  const lifetime = new AbortController()
  const hub = websocketHub()
  const subscriptions: { name: string; running: RunningSubscription }[] = []
  let closeResources: (() => Promise<void>)[] = []
  let stopping = false
  let closing = false
  let app: FastifyInstance | undefined

  const bus = serviceCommandBus(
    commandBus({
      transport: infra.transport,
      onRefused: (command, result) =>
        logger.warn(
          {
            type: command.type,
            correlationId: command.metadata?.correlationId,
            err: (result as { error?: unknown }).error,
          },
          'queued command refused',
        ),
    }),
    metrics,
  )
  const base: ServiceContext = {
    service: service.name,
    config,
    store: infra.store,
    transport: infra.transport,
    checkpoints: infra.checkpoints,
    leases: infra.leases,
    inbox: infra.inbox,
    commandBus: bus,
    metrics: metrics.registry,
    logger,
    correlationId: undefined,
    signal: lifetime.signal,
    broadcast: (path, data, broadcastOptions) => hub.broadcast(path, data, broadcastOptions?.except),
  }
  const inflight = inflightRequests({
    timeoutMs: config.requestTimeoutMs,
    onTimeout: ({ reply, startedAt }) => {
      const request = reply.request
      logger.warn(
        { correlationId: request.id, method: request.method, url: request.url },
        'request timed out',
      )
      if (reply.sent) return
      const status = sendProblem(reply, request, timeoutProblem(), logger)
      const route = request.routeOptions.url ?? 'unmatched'
      metrics.observeRequest(request.method, route, status, (performance.now() - startedAt) / 1000)
    },
  })
  metrics.countInFlight(() => inflight.size)

  const closeResourcesAndAdapters = async () => {
    for (const close of closeResources)
      await close().catch((error: unknown) => logger.error({ err: error }, 'a resource failed to close'))
    await closeInfrastructure()
  }

  try {
    const resources = (await service.setup?.(base)) ?? undefined
    closeResources = closableResources(resources)
    const ctx = serviceContext<R>(base, resources)
    const scoped = scopedContexts(ctx, (request: InflightRequest | undefined) =>
      request ? inflight.signalOf(request) : lifetime.signal,
    )
    const routes = service.routes?.(routeBuilder as never) ?? []
    app = await httpServer({
      config,
      routes: routes as never,
      static: service.static,
      runtime: { ctx, scoped, bus, metrics, inflight, hub, closing: () => closing },
      readiness: () =>
        stopping
          ? undefined
          : checkReadiness(
              infra.store,
              infra.transport,
              subscriptions.map(({ name, running }) => ({ name, caughtUp: running.caughtUp })),
              (check, error) => logger.warn({ err: error, check }, 'readiness check failed'),
            ),
    })
    for (const definition of service.subscriptions?.(subscriptionBuilder as never) ?? []) {
      const running = await definition.start({ ctx, scoped: (id) => scoped(id, undefined), metrics })
      subscriptions.push({ name: definition.name, running })
      logger.info({ subscription: definition.name }, 'subscription started')
    }
    await app.listen({ port: config.port, host: config.host })
    const address = app.server.address() as AddressInfo
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    const url = `http://${host}:${address.port}`
    logger.info({ url }, 'listening')
    const server = app
    let stopped: Promise<void> | undefined
    return {
      url,
      port: address.port,
      context: ctx,
      metrics: metrics.registry,
      server,
      stop: () => (stopped ??= shutdown(server)),
    }
  } catch (error) {
    inflight.stop()
    await app?.close()
    await Promise.allSettled(subscriptions.map(({ running }) => running.close()))
    lifetime.abort()
    await closeResourcesAndAdapters().catch(() => undefined)
    throw error
  }

  async function shutdown(server: FastifyInstance): Promise<void> {
    stopping = true
    logger.info({ delayMs: config.shutdownDelayMs }, 'stopping: /readyz answers 503')
    if (config.shutdownDelayMs > 0)
      await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs))
    closing = true
    if (hub.size > 0) {
      logger.info({ connections: hub.size }, 'closing websockets (1001 going away)')
      await hub.closeAll(1001, 'Server shutting down', Math.min(2000, config.shutdownTimeoutMs))
    }
    logger.info({ inFlight: inflight.size }, 'closing the listener; finishing in-flight requests')
    const closed = server.close()
    if (!(await within(closed, config.shutdownTimeoutMs))) {
      logger.warn({ inFlight: inflight.size }, 'in-flight requests did not finish in time: aborting them')
      inflight.abortAll(new ActaError('UNAVAILABLE', 'The service is shutting down'))
      server.server.closeAllConnections()
      await closed
    }
    inflight.stop()
    logger.info(
      { subscriptions: subscriptions.length },
      'stopping subscriptions; finishing in-flight messages',
    )
    const results = await Promise.allSettled(subscriptions.map(({ running }) => running.close()))
    for (const result of results)
      if (result.status === 'rejected') logger.error({ err: result.reason }, 'a subscription failed to stop')
    lifetime.abort()
    logger.info('closing resources and adapters')
    await closeResourcesAndAdapters()
    logger.info('stopped')
  }
}

async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  try {
    return await Promise.race([work.then(() => true), late])
  } finally {
    clearTimeout(timer)
  }
}
