import { toJson } from './append-validation.js'
import { ActaError, ValidationError, isActaError, type ErrorCode } from './errors.js'
import { uuidv7 } from './ids.js'
import type {
  ConsumeOptions,
  IncomingMessage,
  MessageHeaders,
  OutgoingMessage,
  SubscribeTopicsOptions,
} from './transport.js'

/** A validated outgoing message: headers complete, data serialized once (`body`); `data` is the caller's, not a copy. */
export interface Prepared {
  readonly type: string
  readonly data: unknown
  readonly headers: MessageHeaders
  readonly body: string
}

const namePattern = /^[A-Za-z0-9_.:-]{1,200}$/
const topicPattern = /^[A-Za-z0-9_\-:]+(\.[A-Za-z0-9_\-:]+)*$/
const patternPattern = /^([A-Za-z0-9_\-:]+|\*|#)(\.([A-Za-z0-9_\-:]+|\*|#))*$/

/** Queue, service, group and subscriber names: 1-200 of letters, digits and `_ . : -`. */
export function assertName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || !namePattern.test(name)) {
    throw new ValidationError(
      `Invalid ${what} name ${JSON.stringify(name)}: use 1-200 of A-Z a-z 0-9 _ . : -`,
    )
  }
  if (what === 'topic' && !topicPattern.test(name)) {
    throw new ValidationError(`Invalid topic ${JSON.stringify(name)}: dot-separated non-empty words`)
  }
}

/** Validates a message, completes its headers and serializes its data. */
export function prepareOutgoing(message: OutgoingMessage): Prepared {
  if (typeof message !== 'object' || message === null)
    throw new ValidationError('A message must be an object')
  const { type, headers = {} } = message
  if (typeof type !== 'string' || type.length === 0 || type.length > 256) {
    throw new ValidationError('A message needs a type: a non-empty string of at most 256 characters')
  }
  const complete: Record<string, string | number | boolean> = {}
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ValidationError(`Header ${key} must be a string, number or boolean`)
    }
    complete[key] = value
  }
  const messageId = complete.messageId ?? uuidv7()
  if (typeof messageId !== 'string' || messageId.length === 0)
    throw new ValidationError('messageId must be a string')
  const body = toJson(message.data === undefined ? null : message.data, `${type} message data`)
  return {
    type,
    data: message.data === undefined ? null : message.data,
    headers: { ...complete, messageId, type },
    body,
  }
}

export function normalizeConsumeOptions(options: ConsumeOptions = {}): Required<ConsumeOptions> {
  const concurrency = options.concurrency ?? 10
  const maxAttempts = options.maxAttempts ?? 5
  const retryDelayMs = options.retryDelayMs ?? 100
  if (!Number.isSafeInteger(concurrency) || concurrency < 1)
    throw new ValidationError('concurrency must be >= 1')
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1)
    throw new ValidationError('maxAttempts must be >= 1')
  if (!Number.isFinite(retryDelayMs) || retryDelayMs < 0)
    throw new ValidationError('retryDelayMs must be >= 0')
  return { concurrency, maxAttempts, retryDelayMs }
}

/** Delay before redelivery `attempt` (1-based count of failures so far): exponential, capped at 30 s. */
export function backoffMs(baseMs: number, failures: number): number {
  return Math.min(30_000, baseMs * 2 ** Math.max(0, failures - 1))
}

/** The logical queue of a topic subscription: shared by a group, own for a broadcast subscriber. */
export function groupQueue(options: SubscribeTopicsOptions): string {
  if (options.group !== undefined && options.subscriberId !== undefined) {
    throw new ValidationError('A subscription has either a group or a subscriberId, not both')
  }
  if (options.group !== undefined) {
    assertName(options.group, 'group')
    return `group.${options.group}`
  }
  if (options.subscriberId !== undefined) {
    assertName(options.subscriberId, 'subscriber')
    return `subscriber.${options.subscriberId}`
  }
  return `broadcast.${uuidv7()}`
}

/** The queue a service's requests wait in. */
export function rpcQueue(service: string): string {
  return `rpc.${service}`
}

/** AMQP topic matching: words split on dots, `*` is one word, `#` zero or more. */
export function topicMatcher(pattern: string): (topic: string) => boolean {
  if (typeof pattern !== 'string' || !patternPattern.test(pattern)) {
    throw new ValidationError(
      `Invalid topic pattern ${JSON.stringify(pattern)}: words, '*' or '#' separated by dots`,
    )
  }
  const words = pattern.split('.')
  const match = (p: number, t: string[], i: number): boolean => {
    if (p === words.length) return i === t.length
    const word = words[p]
    if (word === '#') {
      for (let j = i; j <= t.length; j++) if (match(p + 1, t, j)) return true
      return false
    }
    if (i === t.length) return false
    return (word === '*' || word === t[i]) && match(p + 1, t, i + 1)
  }
  return (topic) => match(0, topic.split('.'), 0)
}

/** The reply a responder sends when its handler threw. */
export function errorReply(request: IncomingMessage, error: unknown): OutgoingMessage {
  const code: ErrorCode = isActaError(error) ? error.code : 'INTERNAL'
  const message = isActaError(error) ? error.message : 'The responder failed'
  const details = isActaError(error) ? error.details : {}
  return { type: `${request.type}.error`, data: { message, details }, headers: { error: code } }
}

/** The ActaError a failure reply carries, or undefined for a successful reply. */
export function replyError(reply: IncomingMessage): ActaError | undefined {
  const code = reply.headers.error
  if (typeof code !== 'string') return undefined
  const { message, details } = (reply.data ?? {}) as { message?: string; details?: Record<string, unknown> }
  return new ActaError(code as ErrorCode, message ?? 'The request failed', { details })
}
