import {
  ActaError,
  ValidationError,
  assertName,
  groupQueue,
  normalizeConsumeOptions,
  prepareOutgoing,
  rpcQueue,
  topicMatcher,
  type ConsumeOptions,
  type Consumer,
  type MessageHandler,
  type OutgoingMessage,
  type RequestHandler,
  type RequestOptions,
  type SubscribeTopicsOptions,
  type Transport,
} from '@acta/core'
import { encode } from './codec.js'
import { BrokerConnection } from './connection.js'
import { startConsumer, type ConsumerSpec } from './consumer.js'
import { deadLetterBox } from './dead-letters.js'
import { queueDirectory } from './queues.js'
import { responder, rpcClient } from './rpc.js'
import { declareExchanges, declareQueue, topology, type QueueKind, type QueueType } from './topology.js'

export interface RabbitmqTransportOptions {
  /** `amqp://user:password@host:5672/vhost`; `?heartbeat=` in it overrides `heartbeatSeconds`. */
  url: string
  /** First word of every exchange and queue the transport declares. Default `acta`. */
  prefix?: string
  /** Shown by `rabbitmqctl list_connections` and the management UI. Default `acta`. */
  connectionName?: string
  /** Type of the work, group and subscriber queues (parked and retry queues are classic). Default `classic`. */
  queueType?: QueueType
  /** A named broadcast subscriber's queue is deleted after this long without a consumer. Default 7 days. */
  subscriberExpiresMs?: number
  /** Longest `send`/`publish` (and a consumer's start) wait for a connection and a confirm. Default 10 s. */
  publishTimeoutMs?: number
  /** First reconnect delay, doubling up to `maxReconnectDelayMs` (±20% jitter). Default 100 ms. */
  reconnectDelayMs?: number
  /** Default 5000 ms. */
  maxReconnectDelayMs?: number
  /** AMQP heartbeat: how soon a silent broker counts as gone (about twice this). Default 10 s. */
  heartbeatSeconds?: number
  /** Called for failures handled in the background (lost connection, consumer restart). */
  onError?: (error: unknown, context: string) => void
}

/** The RabbitMQ transport; `ready()` connects now instead of on first use. */
export interface RabbitmqTransport extends Transport {
  ready(): Promise<void>
  /** True while a connection to the broker is open. */
  readonly connected: boolean
}

const prefixPattern = /^[A-Za-z0-9_:-]{1,40}$/

/**
 * The Transport port on RabbitMQ (AMQP 0-9-1): commands on durable queues, events on a topic
 * exchange, RPC with a reply queue, retries through TTL queues, parked messages per queue, publisher
 * confirms on every send and publish, and reconnects that restore topology and consumers.
 *
 * @example
 * const transport = rabbitmqTransport({ url: 'amqp://guest:guest@127.0.0.1:5672' })
 * await transport.consume('todo-write', handle, { concurrency: 20 })
 * await transport.send('todo-write', { type: 'PostTodo', data: { text: 'milk' } })
 */
export function rabbitmqTransport(options: RabbitmqTransportOptions): RabbitmqTransport {
  const prefix = options.prefix ?? 'acta'
  if (!prefixPattern.test(prefix))
    throw new ValidationError(
      'prefix: 1-40 of A-Z a-z 0-9 _ : - (no dots, it is the first word of every name)',
    )
  let protocol: string | undefined
  try {
    protocol = new URL(options.url).protocol
  } catch (error) {
    throw new ValidationError('url must be an amqp:// or amqps:// URL', {}, error)
  }
  if (protocol !== 'amqp:' && protocol !== 'amqps:')
    throw new ValidationError('url must be an amqp:// or amqps:// URL')
  for (const key of [
    'subscriberExpiresMs',
    'publishTimeoutMs',
    'reconnectDelayMs',
    'maxReconnectDelayMs',
    'heartbeatSeconds',
  ] as const) {
    const value = options[key]
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0))
      throw new ValidationError(`${key} must be a positive integer`)
  }
  const t = topology(prefix, options.queueType ?? 'classic', options.subscriberExpiresMs ?? 7 * 86_400_000)
  const timeoutMs = options.publishTimeoutMs ?? 10_000
  const onError = options.onError ?? (() => undefined)
  const broker = new BrokerConnection({
    url: options.url,
    connectionName: options.connectionName ?? 'acta',
    heartbeatSeconds: options.heartbeatSeconds ?? 10,
    reconnectDelayMs: options.reconnectDelayMs ?? 100,
    maxReconnectDelayMs: options.maxReconnectDelayMs ?? 5000,
    publishTimeoutMs: timeoutMs,
    setup: (ch) => declareExchanges(ch, t),
    onError,
  })
  const letters = deadLetterBox(broker, t, timeoutMs)
  const directory = queueDirectory(broker, t, timeoutMs, () => letters.parkedCounts())
  const consumers = new Set<Consumer>()
  let closed = false

  const open = (): void => {
    if (closed) throw new ActaError('UNAVAILABLE', 'The transport is closed')
  }
  /** Declares a queue (once per connection, unless `refresh`) and adds it to the queue catalog. */
  const ensureQueue = async (
    logical: string,
    kind: QueueKind,
    deadline = Date.now() + timeoutMs,
    refresh = false,
  ): Promise<void> => {
    const key = `queue:${t.queue(logical)}`
    await broker.declare(key, (ch) => declareQueue(ch, t, logical, kind), deadline, refresh)
    await directory.register(logical, kind, deadline, refresh)
  }
  const rpc = rpcClient(broker, t, (queue, deadline) => ensureQueue(queue, 'work', deadline))

  const consumeQueue = async (
    logical: string,
    kind: QueueKind,
    handler: ConsumerSpec['handler'],
    consumeOptions: Required<ConsumeOptions>,
    bind: readonly string[] = [],
  ): Promise<Consumer> => {
    const queue = t.queue(logical)
    const spec: ConsumerSpec = {
      logical,
      kind,
      options: consumeOptions,
      handler,
      async prepare(deadline, refresh) {
        await ensureQueue(logical, kind, deadline, refresh)
        for (const pattern of bind) {
          await broker.declare(
            `bind:${queue}:${pattern}`,
            (ch) => ch.bindQueue(queue, t.events, pattern),
            deadline,
            refresh,
          )
        }
      },
      onClose() {
        consumers.delete(consumer)
        // A broadcast queue is gone with its consumer, and a subscriber's expires without one:
        // declare (and catalog) it again next time rather than trust what was declared for it.
        if (kind === 'broadcast' || kind === 'subscriber') {
          broker.forget([`queue:${queue}`, ...bind.map((pattern) => `bind:${queue}:${pattern}`)])
          directory.forget(logical)
        }
      },
    }
    const consumer = await startConsumer({ broker, topology: t, parker: letters, timeoutMs, onError }, spec)
    consumers.add(consumer)
    return consumer
  }

  return {
    get connected() {
      return broker.connected
    },

    async ready() {
      open()
      await broker.ready(Date.now() + timeoutMs)
    },

    async send(queue: string, message: OutgoingMessage) {
      open()
      assertName(queue, 'queue')
      const { content, options: publish } = encode(prepareOutgoing(message))
      publish.mandatory = true
      const deadline = Date.now() + timeoutMs
      await ensureQueue(queue, 'work', deadline)
      if (await broker.publish('', t.queue(queue), content, publish)) return
      // Unroutable: the queue was deleted since this connection declared it. Declare it again.
      await ensureQueue(queue, 'work', deadline, true)
      if (!(await broker.publish('', t.queue(queue), content, publish)))
        throw new ActaError('UNAVAILABLE', `Queue ${queue} keeps refusing messages`)
    },

    async consume(queue: string, handler: MessageHandler, consumeOptions?: ConsumeOptions) {
      open()
      assertName(queue, 'queue')
      return consumeQueue(queue, 'work', handler, normalizeConsumeOptions(consumeOptions))
    },

    async publish(topic: string, message: OutgoingMessage) {
      open()
      assertName(topic, 'topic')
      const { content, options: publish } = encode(prepareOutgoing(message))
      await broker.publish(t.events, topic, content, publish)
    },

    async subscribe(
      topics: readonly string[],
      handler: MessageHandler,
      subscribeOptions: SubscribeTopicsOptions = {},
    ) {
      open()
      if (topics.length === 0) throw new ValidationError('Subscribe to at least one topic pattern')
      for (const pattern of topics) topicMatcher(pattern)
      const consumeOptions = normalizeConsumeOptions(subscribeOptions)
      const logical = groupQueue(subscribeOptions)
      const { group, subscriberId } = subscribeOptions
      const kind: QueueKind =
        group !== undefined ? 'group' : subscriberId !== undefined ? 'subscriber' : 'broadcast'
      return consumeQueue(logical, kind, handler, consumeOptions, [...new Set(topics)])
    },

    async request(service: string, message: OutgoingMessage, requestOptions?: RequestOptions) {
      open()
      assertName(service, 'service')
      return rpc.request(service, message, requestOptions)
    },

    async respond(service: string, handler: RequestHandler, consumeOptions?: ConsumeOptions) {
      open()
      assertName(service, 'service')
      const normalized = normalizeConsumeOptions({ maxAttempts: 1, ...consumeOptions })
      return consumeQueue(rpcQueue(service), 'work', responder(broker, handler), normalized)
    },

    async queues() {
      open()
      return directory.list()
    },

    async listDeadLetters(queue?: string) {
      open()
      if (queue !== undefined) assertName(queue, 'queue')
      return letters.list(queue)
    },

    async replayDeadLetters(ids: readonly string[]) {
      open()
      return letters.replay(ids)
    },

    async close() {
      if (closed) return
      closed = true
      await Promise.all([...consumers].map((c) => c.close()))
      rpc.close()
      await broker.close()
    },
  }
}
