/**
 * Headers every message carries across the transport. `messageId` is the inbox key; the rest
 * ties the message to its flow (W3C Trace Context for `traceparent` / `tracestate`).
 */
export interface MessageHeaders {
  readonly messageId: string
  readonly type: string
  readonly correlationId?: string
  readonly causationId?: string
  readonly traceparent?: string
  readonly tracestate?: string
  /** Anything else the sender set: strings, numbers and booleans only. */
  readonly [key: string]: string | number | boolean | undefined
}

/** A message on its way out. A missing `messageId` gets a UUIDv7. */
export interface OutgoingMessage {
  readonly type: string
  readonly data: unknown
  readonly headers?: Partial<MessageHeaders>
}

/** A message as a handler receives it. */
export interface IncomingMessage {
  readonly type: string
  readonly data: unknown
  readonly headers: MessageHeaders
  /** 1 on first delivery, then +1 for each redelivery (after a failure, or after its consumer died holding it). */
  readonly attempt: number
  /** Where it came from: the queue name, or the topic it was published to. */
  readonly source: string
}

/** Acknowledged when it resolves; a throw (or rejection) schedules a redelivery with backoff. */
export type MessageHandler = (message: IncomingMessage) => Promise<void> | void

export interface ConsumeOptions {
  /** Messages handled at once by this consumer (the prefetch). Default 10. */
  concurrency?: number
  /** Deliveries before a failing message is parked in the dead-letter queue. Default 5. */
  maxAttempts?: number
  /** Backoff before redelivery: `retryDelayMs * 2^(attempt-1)`, capped at 30 s. Default 100 ms. */
  retryDelayMs?: number
}

export interface SubscribeTopicsOptions extends ConsumeOptions {
  /**
   * With a group, each message goes to exactly one member of the group (competing consumers).
   * Without, every subscriber gets every message (broadcast), e.g. each replica's read model.
   */
  group?: string
  /**
   * Stable name of a broadcast subscriber (e.g. `key-value-replica-2`): its queue survives
   * reconnects and restarts, so nothing published meanwhile is missed. Without it, a broadcast
   * subscriber only receives what is published while it is connected.
   */
  subscriberId?: string
}

export interface RequestOptions {
  /** Fails with `TIMEOUT` when no reply arrives in time. Default 5000 ms. */
  timeoutMs?: number
  headers?: Partial<MessageHeaders>
}

/** Replies to a request: return the reply's data, or throw an ActaError to reply with a failure. */
export type RequestHandler = (message: IncomingMessage) => unknown

/** A running consumer; `close()` stops taking messages and waits for those in flight. */
export interface Consumer {
  close(): Promise<void>
}

/**
 * A durable queue as the transport sees it now: a command queue (`send`/`consume`), a group's or a
 * named subscriber's queue (`group.<group>`, `subscriber.<id>`), a service's requests
 * (`rpc.<service>`). An anonymous broadcast subscriber's queue lives only while it is connected
 * and is not listed; RabbitMQ leaves out named subscribers' queues too (reading them would keep an
 * abandoned one from expiring).
 */
export interface QueueStatus {
  /** The name `DeadLetter.queue` also uses. */
  readonly queue: string
  /**
   * Messages waiting for a consumer. Those being handled are not counted, nor, on RabbitMQ and in
   * memory, a message waiting out its retry backoff (the local transport counts those).
   */
  readonly ready: number
  /** Consumers attached now, in every process. */
  readonly consumers: number
  /** Messages parked after their last attempt (see `listDeadLetters`). */
  readonly parked: number
}

/** A message parked after `maxAttempts` failed deliveries. */
export interface DeadLetter {
  readonly id: string
  /** The queue (or group subscription) whose consumer gave up. */
  readonly queue: string
  readonly message: Omit<IncomingMessage, 'attempt'>
  readonly attempts: number
  readonly error: string
  readonly failedAt: Date
}

/**
 * Moves messages between services. Every adapter (memory, local, RabbitMQ) passes the one
 * transport conformance suite. Delivery is at least once: handlers must be idempotent, which the
 * inbox (`messageId` dedup) provides.
 *
 * Topics are dot-separated words; subscriptions match them like AMQP topic bindings
 * (`*` one word, `#` zero or more words): `todo.*`, `#`.
 *
 * @example
 * await transport.send('todo-write', { type: 'PostTodo', data: { text: 'x' } })
 * await transport.consume('todo-write', async (m) => handle(m))
 * await transport.publish('todo.TodoWasPosted', { type: 'TodoWasPosted', data })
 * await transport.subscribe(['todo.*'], project, { group: 'todo-read' })
 */
export interface Transport {
  /** Enqueues a command on a named queue; resolves once it is durably enqueued. */
  send(queue: string, message: OutgoingMessage): Promise<void>
  /** Competing consumers on a queue: each message goes to one of them. */
  consume(queue: string, handler: MessageHandler, options?: ConsumeOptions): Promise<Consumer>
  /** Publishes to a topic; resolves once the transport has durably accepted it. */
  publish(topic: string, message: OutgoingMessage): Promise<void>
  /** Receives what is published to matching topics: broadcast, or one member per `group`. */
  subscribe(
    topics: readonly string[],
    handler: MessageHandler,
    options?: SubscribeTopicsOptions,
  ): Promise<Consumer>
  /** Sends a request to a service and waits for its reply (correlated by `messageId`). */
  request(service: string, message: OutgoingMessage, options?: RequestOptions): Promise<IncomingMessage>
  /** Serves requests addressed to `service`. */
  respond(service: string, handler: RequestHandler, options?: ConsumeOptions): Promise<Consumer>
  /** Every durable queue with its depth, its consumers and its parked messages, by name. */
  queues(): Promise<QueueStatus[]>
  /** Parked messages of a queue or group (all when omitted), oldest first. */
  listDeadLetters(queue?: string): Promise<DeadLetter[]>
  /** Puts parked messages back on their queue with a fresh attempt count; returns how many. */
  replayDeadLetters(ids: readonly string[]): Promise<number>
  /** Stops consumers, waits for in-flight handlers, then releases connections. */
  close(): Promise<void>
}
