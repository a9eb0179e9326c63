import type { ConsumerKind, ConsumerStatus } from '@acta/core'
import { consumerStatus } from '@acta/core'
import { response, type RouteBuilder, type RouteDefinition } from '@acta/service'
import { requireToken } from './admin-token.js'

/** A consumer as the API answers it: {@link ConsumerStatus} with ISO times. */
export interface ConsumerJson {
  name: string
  kind: ConsumerKind
  position: number
  headPosition: number
  lagEvents: number
  updatedAt: string
  idleMs: number
  holder?: { owner: string; expiresAt: string; alive: boolean }
}

/**
 * `GET <prefix>/consumers`: the checkpointed readers of the log that are not projections (outbox
 * relays, `s.log` subscriptions with a checkpoint), from the service's CheckpointStore and
 * LeaseStore, so every instance sharing the database answers the same. `GET <prefix>/queues`: the
 * transport's durable queues (commands, groups, named subscribers, requests) with what waits in
 * them, their consumers in every process and their parked messages.
 */
export function consumerRoutes<R extends object>(
  r: RouteBuilder<R>,
  options: { prefix: string; token: string },
): RouteDefinition<R>[] {
  const { prefix, token } = options
  return [
    r.get(`${prefix}/consumers`, async (ctx, request) => {
      requireToken(token, request.headers)
      const consumers = await consumerStatus(ctx)
      return response(
        { consumers: consumers.map(consumerJson) },
        { headers: { 'cache-control': 'no-store' } },
      )
    }),
    r.get(`${prefix}/queues`, async (ctx, request) => {
      requireToken(token, request.headers)
      const queues = await ctx.transport.queues()
      return response({ queues }, { headers: { 'cache-control': 'no-store' } })
    }),
  ]
}

/** One consumer's status as JSON. */
export function consumerJson(consumer: ConsumerStatus): ConsumerJson {
  const { holder, updatedAt, ...rest } = consumer
  return {
    ...rest,
    updatedAt: updatedAt.toISOString(),
    ...(holder ? { holder: { ...holder, expiresAt: holder.expiresAt.toISOString() } } : {}),
  }
}
