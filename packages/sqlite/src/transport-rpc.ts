import { ActaError, ValidationError, errorReply, prepareOutgoing, replyError, rpcQueue } from '@acta/core'
import type {
  IncomingMessage,
  MessageHeaders,
  OutgoingMessage,
  Prepared,
  RequestHandler,
  RequestOptions,
} from '@acta/core'
import type { Handle } from './transport-dispatcher.js'
import type { NewMessageRow } from './transport-queue.js'

interface Waiter {
  readonly resolve: (reply: IncomingMessage) => void
  readonly reject: (error: unknown) => void
  readonly timer: NodeJS.Timeout
}

export interface RpcClientDeps {
  /** Creates this transport's reply queue and consumes it with `handle`. */
  readonly openReplyQueue: (handle: Handle) => Promise<string>
  readonly enqueue: (row: NewMessageRow) => Promise<void>
}

export interface RpcClient {
  request(service: string, message: OutgoingMessage, options?: RequestOptions): Promise<IncomingMessage>
  /** Fails every request still waiting (the transport is closing). */
  rejectAll(error: unknown): void
}

/**
 * The requesting side: a request row carries `reply_to` (this transport's own reply queue) and
 * `expires_at` (its deadline, after which no responder takes it); the reply is matched to its request
 * by `causationId`, the request's messageId.
 */
export function rpcClient(deps: RpcClientDeps): RpcClient {
  const waiting = new Map<string, Waiter>()
  let replyQueue: Promise<string> | undefined

  const settle: Handle = ({ message }) => {
    const requestId = message.headers.causationId
    const waiter = requestId === undefined ? undefined : waiting.get(requestId)
    if (!waiter || requestId === undefined) return undefined // its request timed out
    waiting.delete(requestId)
    clearTimeout(waiter.timer)
    waiter.resolve(message)
    return undefined
  }
  const replies = (): Promise<string> =>
    (replyQueue ??= deps.openReplyQueue(settle).catch((error: unknown) => {
      replyQueue = undefined
      throw error
    }))

  return {
    async request(service, message, options = {}) {
      const timeoutMs = options.timeoutMs ?? 5000
      if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
        throw new ValidationError('timeoutMs must be a positive number', { timeoutMs })
      }
      const prepared = prepareOutgoing({ ...message, headers: { ...message.headers, ...options.headers } })
      const replyTo = await replies()
      const requestId = prepared.headers.messageId
      const reply = new Promise<IncomingMessage>((resolve, reject) => {
        const timer = setTimeout(() => {
          if (!waiting.delete(requestId)) return
          reject(
            new ActaError('TIMEOUT', `No reply from ${service} within ${timeoutMs} ms`, {
              details: { service },
            }),
          )
        }, timeoutMs)
        waiting.set(requestId, { resolve, reject, timer })
      })
      reply.catch(() => undefined) // awaited below, once the request is enqueued
      try {
        await deps.enqueue({
          ...messageRow(prepared, rpcQueue(service), service),
          replyTo,
          expiresAt: Date.now() + timeoutMs,
        })
      } catch (error) {
        clearTimeout(waiting.get(requestId)?.timer)
        waiting.delete(requestId)
        throw error
      }
      const incoming = await reply
      const failure = replyError(incoming)
      if (failure) throw failure
      return incoming
    },

    rejectAll(error) {
      for (const waiter of waiting.values()) {
        clearTimeout(waiter.timer)
        waiter.reject(error)
      }
      waiting.clear()
    },
  }
}

/**
 * The responding side: runs `handler` and returns its reply (or the failure it threw) as a row for
 * the requester's reply queue, enqueued in the transaction that acknowledges the request.
 */
export function responder(service: string, handler: RequestHandler): Handle {
  return async ({ message, replyTo, expiresAt }) => {
    let reply: OutgoingMessage
    try {
      reply = { type: `${message.type}.reply`, data: (await handler(message)) ?? null }
    } catch (error) {
      reply = errorReply(message, error)
    }
    if (replyTo === undefined) return undefined // sent, not requested: nobody waits
    const { correlationId, messageId } = message.headers
    const headers: Partial<MessageHeaders> = { correlationId, causationId: messageId }
    let prepared: Prepared
    try {
      prepared = prepareOutgoing({ ...reply, headers: { ...reply.headers, ...headers } })
    } catch (error) {
      const failed = errorReply(message, error) // e.g. a reply that is not JSON
      prepared = prepareOutgoing({ ...failed, headers: { ...failed.headers, ...headers } })
    }
    // the reply expires with its request, so one nobody waits for does not linger
    return { ...messageRow(prepared, replyTo, service), expiresAt }
  }
}

export function messageRow(prepared: Prepared, queue: string, source: string): NewMessageRow {
  return {
    queue,
    type: prepared.type,
    headers: JSON.stringify(prepared.headers),
    data: prepared.body,
    source,
  }
}
