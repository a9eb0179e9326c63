import type { Channel } from 'amqplib'

/** Classic queues suit one broker; quorum queues replicate across a cluster. */
export type QueueType = 'classic' | 'quorum'

/**
 * Names and arguments of everything the transport declares. User-facing queues live under
 * `<prefix>.q.`, so a user's queue name can never collide with an internal queue.
 */
export interface Topology {
  readonly prefix: string
  readonly queueType: QueueType
  readonly subscriberExpiresMs: number
  /** Topic exchange every `publish` goes to. */
  readonly events: string
  /** Headers exchange routing a retry to the TTL queue of its delay. */
  readonly retry: string
  /** Durable list of parked-queue names, so `listDeadLetters()` finds every parked queue. */
  readonly parkedCatalog: string
  /** Durable list of the work, group and subscriber queues' names, so `queues()` finds them all. */
  readonly queueCatalog: string
  queue(logical: string): string
  parked(logical: string): string
  retryQueue(delayMs: number): string
  replies(instanceId: string): string
}

export function topology(prefix: string, queueType: QueueType, subscriberExpiresMs: number): Topology {
  return {
    prefix,
    queueType,
    subscriberExpiresMs,
    events: `${prefix}.events`,
    retry: `${prefix}.retry`,
    parkedCatalog: `${prefix}.parked-catalog`,
    queueCatalog: `${prefix}.queue-catalog`,
    queue: (logical) => `${prefix}.q.${logical}`,
    parked: (logical) => `${prefix}.parked.${logical}`,
    retryQueue: (delayMs) => `${prefix}.retry.${delayMs}`,
    replies: (instanceId) => `${prefix}.reply.${instanceId}`,
  }
}

/** What a queue is for: `send`/`respond` (work), or a subscription of a group, a named or an anonymous subscriber. */
export type QueueKind = 'work' | 'group' | 'subscriber' | 'broadcast'

const typeArgument = (t: Topology): Record<string, unknown> => ({ 'x-queue-type': t.queueType })

/** Declares the queue behind a logical name: durable, except a broadcast subscriber's own queue. */
export async function declareQueue(
  ch: Channel,
  t: Topology,
  logical: string,
  kind: QueueKind,
): Promise<void> {
  if (kind === 'broadcast') {
    await ch.assertQueue(t.queue(logical), { exclusive: true, autoDelete: true, durable: false })
    return
  }
  const args = typeArgument(t)
  if (kind === 'subscriber') args['x-expires'] = t.subscriberExpiresMs
  await ch.assertQueue(t.queue(logical), { durable: true, arguments: args })
}

/**
 * A parked queue lives as long as its origin: for a broadcast subscriber (named or not) it expires
 * like the subscriber's queue, counted from the last park or list. Always classic: list and replay
 * read it with basic.get, and RabbitMQ answers a basic.get on a quorum queue that is still starting
 * with a connection error (`internal_error ... noproc`), which would take every channel down.
 */
export async function declareParked(
  ch: Channel,
  t: Topology,
  logical: string,
  kind: QueueKind,
): Promise<number> {
  const args: Record<string, unknown> = { 'x-queue-type': 'classic' }
  if (kind === 'subscriber' || kind === 'broadcast') args['x-expires'] = t.subscriberExpiresMs
  const ok = await ch.assertQueue(t.parked(logical), { durable: true, arguments: args })
  return ok.messageCount
}

export async function declareExchanges(ch: Channel, t: Topology): Promise<void> {
  await ch.assertExchange(t.events, 'topic', { durable: true })
  await ch.assertExchange(t.retry, 'headers', { durable: true })
}

/** A catalog of names (see `catalog.ts`): classic, as it is read with basic.get. */
export async function declareCatalog(ch: Channel, queue: string): Promise<void> {
  await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'classic' } })
}

/**
 * One TTL queue per delay: a retry waits there `delayMs`, then the broker dead-letters it to the
 * default exchange under its routing key, which is the origin queue's name.
 */
export async function declareRetryQueue(ch: Channel, t: Topology, delayMs: number): Promise<void> {
  const name = t.retryQueue(delayMs)
  await ch.assertQueue(name, {
    durable: true,
    arguments: {
      'x-queue-type': 'classic',
      'x-message-ttl': delayMs,
      'x-dead-letter-exchange': '',
    },
  })
  await ch.bindQueue(name, t.retry, '', { 'x-match': 'all', [delayHeader]: String(delayMs) })
}

/** Header names the transport sets for itself; never shown to handlers. */
export const attemptHeader = 'acta-attempt'
export const delayHeader = 'acta-delay'
export const sourceHeader = 'acta-source'
export const typeHeader = 'acta-type'
export const messageIdHeader = 'acta-message-id'
export const correlationHeader = 'acta-correlation-id'
export const letterIdHeader = 'acta-dead-letter-id'
export const letterQueueHeader = 'acta-dead-letter-queue'
export const letterOriginHeader = 'acta-dead-letter-origin'
export const letterAttemptsHeader = 'acta-dead-letter-attempts'
export const letterErrorHeader = 'acta-dead-letter-error'
export const letterFailedAtHeader = 'acta-dead-letter-failed-at'
