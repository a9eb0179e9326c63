import {
  ActaError,
  errorReply,
  isActaError,
  prepareOutgoing,
  replyError,
  rpcQueue,
  uuidv7,
  type IncomingMessage,
  type OutgoingMessage,
  type Prepared,
  type RequestHandler,
  type RequestOptions,
} from '@acta/core'
import type { ConsumeMessage, Options } from 'amqplib'
import { decode, encode, text, type AmqpHeaders } from './codec.js'
import type { BrokerConnection } from './connection.js'
import type { Link } from './link.js'
import { correlationHeader, type Topology } from './topology.js'

interface Waiter {
  readonly service: string
  readonly resolve: (reply: IncomingMessage) => void
  readonly reject: (error: unknown) => void
  readonly timer: ReturnType<typeof setTimeout>
}

export interface RpcClient {
  request(service: string, message: OutgoingMessage, options?: RequestOptions): Promise<IncomingMessage>
  close(): void
}

const noop = (): void => undefined

/**
 * Requests go to the service's durable queue with `expiration` = the timeout, so a request nobody
 * took in time is dropped by the broker. Replies come back on one exclusive queue per transport
 * instance (`<prefix>.reply.<id>`), consumed without acks and matched by their `correlation-id`
 * property, which is the request's messageId (the AMQP RPC convention, so plain AMQP clients and
 * servers interoperate). The queue keeps its name across reconnects, so a reply sent after a
 * reconnect still finds its caller. `ensureQueue` declares a service's request queue (and
 * catalogs it), as `respond` does.
 */
export function rpcClient(
  broker: BrokerConnection,
  t: Topology,
  ensureQueue: (queue: string, deadline: number) => Promise<void>,
): RpcClient {
  const replyQueue = t.replies(uuidv7())
  const waiting = new Map<string, Waiter>()
  let listening: { generation: number; ready: Promise<void>; done: boolean } | undefined

  const onReply = (delivery: ConsumeMessage | null): void => {
    if (delivery === null) {
      listening = undefined
      return
    }
    const raw: AmqpHeaders = delivery.properties.headers ?? {}
    const requestId = text(delivery.properties.correlationId) ?? text(raw.causationId)
    const waiter = requestId === undefined ? undefined : waiting.get(requestId)
    if (!waiter) return
    waiting.delete(requestId!)
    clearTimeout(waiter.timer)
    try {
      const reply = decode(delivery, waiter.service, t.events, 1)
      const { correlationId: _requestId, ...headers } = reply.headers
      const flow = text(raw[correlationHeader])
      waiter.resolve({
        ...reply,
        headers:
          flow === undefined
            ? { ...headers, causationId: requestId }
            : { ...headers, causationId: requestId, correlationId: flow },
      })
    } catch (error) {
      waiter.reject(new ActaError('INTERNAL', 'Unreadable reply', { cause: error }))
    }
  }

  const listen = (link: Link, deadline: number): Promise<void> => {
    if (listening?.generation === link.generation) return listening.ready
    const ready = (async () => {
      await broker.declare(
        'replies',
        (ch) => ch.assertQueue(replyQueue, { exclusive: true, durable: false, autoDelete: false }),
        deadline,
      )
      const ch = await link.model.createChannel()
      ch.on('error', noop)
      ch.on('close', () => {
        if (listening?.ready === ready) listening = undefined
      })
      await ch.consume(replyQueue, onReply, { noAck: true })
    })()
    const entry = { generation: link.generation, ready, done: false }
    listening = entry
    ready.then(
      () => void (entry.done = true),
      () => {
        if (listening === entry) listening = undefined
      },
    )
    return ready
  }

  // Replies to requests sent before a reconnect can still arrive: listen again at once.
  broker.onReconnect((link) => {
    if (listening !== undefined || waiting.size > 0) listen(link, Date.now() + 10_000).catch(noop)
  })

  return {
    async request(service, message, options = {}) {
      const timeoutMs = options.timeoutMs ?? 5000
      const prepared = prepareOutgoing(
        options.headers === undefined
          ? message
          : { ...message, headers: { ...message.headers, ...options.headers } },
      )
      const id = prepared.headers.messageId
      const deadline = Date.now() + timeoutMs
      const reply = new Promise<IncomingMessage>((resolve, reject) => {
        const timer = setTimeout(() => {
          if (!waiting.delete(id)) return
          reject(
            new ActaError('TIMEOUT', `No reply from ${service} within ${timeoutMs} ms`, {
              details: { service },
            }),
          )
        }, timeoutMs)
        waiting.set(id, { service, resolve, reject, timer })
      })
      try {
        const queue = rpcQueue(service)
        if (!listening?.done || !broker.connected) await listen(await broker.ready(deadline), deadline)
        await ensureQueue(queue, deadline)
        const { content, options: publish } = encode(prepared)
        publish.replyTo = replyQueue
        publish.expiration = String(timeoutMs)
        publish.persistent = false
        await broker.publish('', t.queue(queue), content, publish, Math.max(1, deadline - Date.now()))
      } catch (error) {
        const waiter = waiting.get(id)
        if (waiter) {
          waiting.delete(id)
          clearTimeout(waiter.timer)
          waiter.reject(
            isActaError(error, 'UNAVAILABLE') && Date.now() >= deadline
              ? new ActaError('TIMEOUT', `No reply from ${service} within ${timeoutMs} ms`, {
                  cause: error,
                  details: { service },
                })
              : error,
          )
        }
      }
      const incoming = await reply
      const failure = replyError(incoming)
      if (failure) throw failure
      return incoming
    },

    close() {
      for (const waiter of waiting.values()) {
        clearTimeout(waiter.timer)
        waiter.reject(new ActaError('UNAVAILABLE', 'The transport closed'))
      }
      waiting.clear()
    },
  }
}

/** Wraps a request handler: its result (or refusal) is published to the caller's reply queue. */
export function responder(
  broker: BrokerConnection,
  handler: RequestHandler,
): (request: IncomingMessage, delivery: ConsumeMessage) => Promise<void> {
  return async (request, delivery) => {
    let reply: OutgoingMessage
    try {
      reply = { type: `${request.type}.reply`, data: (await handler(request)) ?? null }
    } catch (error) {
      reply = errorReply(request, error)
    }
    const replyTo = delivery.properties.replyTo as string | undefined
    if (!replyTo) return
    const headers = { correlationId: request.headers.correlationId, causationId: request.headers.messageId }
    const withHeaders = (m: OutgoingMessage): OutgoingMessage => ({
      type: m.type,
      data: m.data,
      headers: m.headers === undefined ? headers : { ...m.headers, ...headers },
    })
    let prepared
    try {
      prepared = prepareOutgoing(withHeaders(reply))
    } catch (error) {
      prepared = prepareOutgoing(withHeaders(errorReply(request, error)))
    }
    await broker.publish('', replyTo, ...encodeReply(prepared, request.headers.messageId))
  }
}

/**
 * A reply on the wire: `correlation-id` = the request's messageId (the handler sees it as the
 * reply's causationId), the flow's correlationId as header `acta-correlation-id`.
 */
function encodeReply(prepared: Prepared, requestId: string): [Buffer, Options.Publish] {
  const { content, options } = encode(prepared)
  const headers = (options.headers as AmqpHeaders | undefined) ?? {}
  if (options.correlationId !== undefined) headers[correlationHeader] = options.correlationId
  delete options.correlationId
  if (headers.causationId === requestId && Buffer.byteLength(requestId) <= 255) {
    delete headers.causationId
    options.correlationId = requestId
  }
  options.headers = Object.keys(headers).length > 0 ? headers : undefined
  options.persistent = false
  return [content, options]
}
