import { ActaError } from './errors.js'
import { uuidv7 } from './ids.js'
import {
  assertName,
  backoffMs,
  errorReply,
  groupQueue,
  normalizeConsumeOptions,
  prepareOutgoing,
  replyError,
  rpcQueue,
  topicMatcher,
  type Prepared,
} from './transport-helpers.js'
import type {
  ConsumeOptions,
  Consumer,
  DeadLetter,
  IncomingMessage,
  MessageHandler,
  OutgoingMessage,
  RequestHandler,
  RequestOptions,
  SubscribeTopicsOptions,
  Transport,
} from './transport.js'

interface Pending {
  readonly message: Prepared
  readonly source: string
  attempt: number
  readonly expiresAt: number | undefined
}

interface QueueConsumer {
  readonly handler: MessageHandler
  readonly options: Required<ConsumeOptions>
  inFlight: number
  closed: boolean
  readonly idle: Set<() => void>
}

interface Queue {
  readonly name: string
  readonly ready: Pending[]
  readonly consumers: QueueConsumer[]
  readonly deadLetters: DeadLetter[]
  next: number
}

interface Binding {
  readonly matches: (topic: string) => boolean
  readonly queue: string
}

/**
 * A transport inside one process, for unit tests: the same delivery rules as the real adapters
 * (ack on success, redelivery with backoff, dead letters, groups, broadcast, RPC), no durability.
 */
export function memoryTransport(): Transport {
  const queues = new Map<string, Queue>()
  let bindings: Binding[] = []
  const waiting = new Map<string, { resolve: (m: IncomingMessage) => void; reject: (e: unknown) => void }>()
  const consumers = new Set<QueueConsumer>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let closed = false

  const open = (): void => {
    if (closed) throw new ActaError('UNAVAILABLE', 'The transport is closed')
  }
  const queue = (name: string): Queue => {
    let q = queues.get(name)
    if (!q) {
      q = { name, ready: [], consumers: [], deadLetters: [], next: 0 }
      queues.set(name, q)
    }
    return q
  }
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, ms)
    timers.add(timer)
  }

  const enqueue = (name: string, pending: Pending): void => {
    queue(name).ready.push(pending)
    queueMicrotask(() => pump(name))
  }

  function pump(name: string): void {
    const q = queues.get(name)
    if (!q) return
    while (q.ready.length > 0) {
      const live = q.consumers.filter((c) => !c.closed && c.inFlight < c.options.concurrency)
      if (live.length === 0) return
      const consumer = live[q.next++ % live.length]!
      const pending = q.ready.shift()!
      if (pending.expiresAt !== undefined && pending.expiresAt < Date.now()) continue
      void deliver(q, consumer, pending)
    }
  }

  async function deliver(q: Queue, consumer: QueueConsumer, pending: Pending): Promise<void> {
    consumer.inFlight++
    const { type, body, headers } = pending.message
    // each delivery gets its own copy, as it would off a wire
    const incoming: IncomingMessage = {
      type,
      data: JSON.parse(body),
      headers,
      attempt: pending.attempt,
      source: pending.source,
    }
    try {
      await consumer.handler(incoming)
    } catch (error) {
      if (pending.attempt >= consumer.options.maxAttempts) {
        q.deadLetters.push({
          id: uuidv7(),
          queue: q.name,
          message: {
            type: incoming.type,
            data: incoming.data,
            headers: incoming.headers,
            source: incoming.source,
          },
          attempts: pending.attempt,
          error: error instanceof Error ? error.message : String(error),
          failedAt: new Date(),
        })
      } else {
        pending.attempt++
        later(backoffMs(consumer.options.retryDelayMs, pending.attempt - 1), () => enqueue(q.name, pending))
      }
    } finally {
      consumer.inFlight--
      if (consumer.inFlight === 0) for (const wake of consumer.idle) wake()
      pump(q.name)
    }
  }

  const attach = (
    name: string,
    handler: MessageHandler,
    options?: ConsumeOptions,
    onClose?: () => void,
  ): Consumer => {
    const consumer: QueueConsumer = {
      handler,
      options: normalizeConsumeOptions(options),
      inFlight: 0,
      closed: false,
      idle: new Set(),
    }
    const q = queue(name)
    q.consumers.push(consumer)
    consumers.add(consumer)
    queueMicrotask(() => pump(name))
    return {
      async close() {
        if (consumer.closed) return
        consumer.closed = true
        q.consumers.splice(q.consumers.indexOf(consumer), 1)
        consumers.delete(consumer)
        if (consumer.inFlight > 0) await new Promise<void>((resolve) => consumer.idle.add(resolve))
        onClose?.()
        pump(name)
      },
    }
  }

  const fanOut = (topic: string, message: Prepared): void => {
    const targets = new Set(bindings.filter((b) => b.matches(topic)).map((b) => b.queue))
    for (const target of targets)
      enqueue(target, { message, source: topic, attempt: 1, expiresAt: undefined })
  }

  return {
    async send(name: string, message: OutgoingMessage) {
      open()
      assertName(name, 'queue')
      enqueue(name, { message: prepareOutgoing(message), source: name, attempt: 1, expiresAt: undefined })
    },

    async consume(name: string, handler: MessageHandler, options?: ConsumeOptions) {
      open()
      assertName(name, 'queue')
      return attach(name, handler, options)
    },

    async publish(topic: string, message: OutgoingMessage) {
      open()
      assertName(topic, 'topic')
      fanOut(topic, prepareOutgoing(message))
    },

    async subscribe(
      topics: readonly string[],
      handler: MessageHandler,
      options: SubscribeTopicsOptions = {},
    ) {
      open()
      if (topics.length === 0) throw new ActaError('VALIDATION', 'Subscribe to at least one topic pattern')
      const name = groupQueue(options)
      const added = topics.map((pattern) => ({ matches: topicMatcher(pattern), queue: name, pattern }))
      bindings.push(...added)
      const transient = options.group === undefined && options.subscriberId === undefined
      return attach(name, handler, options, () => {
        if (!transient) return
        bindings = bindings.filter((b) => b.queue !== name)
        queues.delete(name)
      })
    },

    async request(service: string, message: OutgoingMessage, options: RequestOptions = {}) {
      open()
      assertName(service, 'service')
      const timeoutMs = options.timeoutMs ?? 5000
      const prepared = prepareOutgoing({ ...message, headers: { ...message.headers, ...options.headers } })
      const reply = new Promise<IncomingMessage>((resolve, reject) => {
        waiting.set(prepared.headers.messageId, { resolve, reject })
        later(timeoutMs, () => {
          if (!waiting.delete(prepared.headers.messageId)) return
          reject(
            new ActaError('TIMEOUT', `No reply from ${service} within ${timeoutMs} ms`, {
              details: { service },
            }),
          )
        })
      })
      enqueue(rpcQueue(service), {
        message: prepared,
        source: service,
        attempt: 1,
        expiresAt: Date.now() + timeoutMs,
      })
      const incoming = await reply
      const failure = replyError(incoming)
      if (failure) throw failure
      return incoming
    },

    async respond(service: string, handler: RequestHandler, options?: ConsumeOptions) {
      open()
      assertName(service, 'service')
      return attach(
        rpcQueue(service),
        async (request) => {
          let reply: OutgoingMessage
          try {
            reply = { type: `${request.type}.reply`, data: (await handler(request)) ?? null }
          } catch (error) {
            reply = errorReply(request, error)
          }
          const waiter = waiting.get(request.headers.messageId)
          if (!waiter) return
          waiting.delete(request.headers.messageId)
          const prepared = prepareOutgoing({
            ...reply,
            headers: {
              ...reply.headers,
              correlationId: request.headers.correlationId,
              causationId: request.headers.messageId,
            },
          })
          waiter.resolve({
            type: prepared.type,
            data: JSON.parse(prepared.body),
            headers: prepared.headers,
            attempt: 1,
            source: service,
          })
        },
        { maxAttempts: 1, ...options },
      )
    },

    async queues() {
      open()
      return [...queues.values()]
        .filter((q) => !q.name.startsWith('broadcast.'))
        .map((q) => ({
          queue: q.name,
          ready: q.ready.length,
          consumers: q.consumers.filter((c) => !c.closed).length,
          parked: q.deadLetters.length,
        }))
        .sort((a, b) => (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0))
    },

    async listDeadLetters(name?: string) {
      const all =
        name === undefined ? [...queues.values()] : [queues.get(name)].filter((q) => q !== undefined)
      return all.flatMap((q) => q.deadLetters).sort((a, b) => a.failedAt.getTime() - b.failedAt.getTime())
    },

    async replayDeadLetters(ids: readonly string[]) {
      open()
      const wanted = new Set(ids)
      let replayed = 0
      for (const q of queues.values()) {
        for (const letter of q.deadLetters.filter((d) => wanted.has(d.id))) {
          q.deadLetters.splice(q.deadLetters.indexOf(letter), 1)
          const { type, data, headers } = letter.message
          enqueue(q.name, {
            message: prepareOutgoing({ type, data, headers }),
            source: letter.message.source,
            attempt: 1,
            expiresAt: undefined,
          })
          replayed++
        }
      }
      return replayed
    },

    async close() {
      if (closed) return
      closed = true
      for (const c of consumers) c.closed = true
      await Promise.all(
        [...consumers].map((c) =>
          c.inFlight > 0 ? new Promise<void>((r) => c.idle.add(r)) : Promise.resolve(),
        ),
      )
      for (const timer of timers) clearTimeout(timer)
      for (const { reject } of waiting.values()) reject(new ActaError('UNAVAILABLE', 'The transport closed'))
      waiting.clear()
    },
  }
}
