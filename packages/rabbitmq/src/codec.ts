import type { IncomingMessage, MessageHeaders, Prepared } from '@acta/core'
import type { Message, MessageProperties, Options } from 'amqplib'
import { attemptHeader, correlationHeader, messageIdHeader, sourceHeader, typeHeader } from './topology.js'

type HeaderValue = string | number | boolean
export type AmqpHeaders = Record<string, unknown>

// AMQP properties are short strings (at most 255 bytes); longer values travel as headers instead.
const fits = (value: string): boolean => value.length <= 85 || Buffer.byteLength(value) <= 255

/**
 * Maps an outgoing message to an AMQP body and properties: `messageId`, `type` and `correlationId`
 * become the standard properties, every other header an AMQP header of the same name.
 */
export function encode(
  prepared: Prepared,
  extra?: AmqpHeaders,
): { content: Buffer; options: Options.Publish } {
  const options: Options.Publish = { contentType: 'application/json', persistent: true }
  let headers: AmqpHeaders | undefined
  const h = prepared.headers
  for (const key in h) {
    const value = h[key]
    if (value === undefined) continue
    if (key === 'messageId' || key === 'type' || key === 'correlationId') {
      const property = String(value)
      if (typeof value === 'string' && fits(property)) {
        options[key] = property
        continue
      }
    }
    headers ??= {}
    headers[
      key === 'messageId'
        ? messageIdHeader
        : key === 'type'
          ? typeHeader
          : key === 'correlationId'
            ? correlationHeader
            : key
    ] = value
  }
  if (extra !== undefined) headers = headers === undefined ? extra : Object.assign(headers, extra)
  if (headers !== undefined) options.headers = headers
  return { content: Buffer.from(prepared.body), options }
}

// Headers the broker adds when it dead-letters or redelivers; a sender's own `x-` headers stay.
const brokerHeader = (key: string): boolean =>
  key.startsWith('x-') &&
  (key === 'x-death' ||
    key === 'x-delivery-count' ||
    key === 'x-received-from' ||
    key.startsWith('x-first-death-') ||
    key.startsWith('x-last-death-'))

/** The headers as the sender set them: properties folded back in, broker and transport headers dropped. */
export function decodeHeaders(properties: MessageProperties): MessageHeaders {
  const raw: AmqpHeaders | undefined = properties.headers
  const headers: Record<string, HeaderValue> = {}
  let messageId = text(properties.messageId)
  let type = text(properties.type)
  let correlationId = text(properties.correlationId)
  if (raw !== undefined) {
    for (const key in raw) {
      const value = raw[key]
      if (key.startsWith('acta-')) {
        if (key === messageIdHeader) messageId = text(value)
        else if (key === typeHeader) type = text(value)
        else if (key === correlationHeader) correlationId = text(value)
        continue
      }
      if (brokerHeader(key)) continue
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        headers[key] = value
    }
  }
  if (correlationId !== undefined) headers.correlationId = correlationId
  headers.messageId = messageId ?? ''
  headers.type = type ?? ''
  return headers as MessageHeaders
}

/** A header or property as text; undefined when absent or not a scalar. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

export function attemptOf(message: Message): number {
  const headers: AmqpHeaders = message.properties.headers ?? {}
  const attempt = headers[attemptHeader]
  return typeof attempt === 'number' && attempt >= 1 ? attempt : 1
}

/** A delivery as a handler sees it; `source` is the topic for a publish, the logical queue otherwise. */
export function decode(message: Message, logical: string, events: string, attempt?: number): IncomingMessage {
  const headers = decodeHeaders(message.properties)
  const raw: AmqpHeaders | undefined = message.properties.headers
  const source = raw?.[sourceHeader]
  return {
    type: headers.type,
    data: JSON.parse(message.content.toString('utf8')) as unknown,
    headers,
    attempt: attempt ?? attemptOf(message),
    source:
      typeof source === 'string'
        ? source
        : message.fields.exchange === events
          ? message.fields.routingKey
          : logical,
  }
}

/**
 * The publish options for a copy of a delivered message (a retry, a parked letter, a replay):
 * same properties, the sender's headers, the transport's previous bookkeeping replaced by `extra`.
 */
export function copyOptions(message: Message, extra: AmqpHeaders): Options.Publish {
  const p = message.properties
  const headers: AmqpHeaders = {}
  const own: AmqpHeaders = p.headers ?? {}
  for (const key in own) {
    if (brokerHeader(key) || key.startsWith('acta-dead-letter-') || key === attemptHeader) continue
    headers[key] = own[key]
  }
  const options: Options.Publish = {
    contentType: p.contentType as string | undefined,
    persistent: p.deliveryMode === 2,
    headers: Object.assign(headers, extra),
  }
  if (p.messageId !== undefined) options.messageId = p.messageId as string
  if (p.type !== undefined) options.type = p.type as string
  if (p.correlationId !== undefined) options.correlationId = p.correlationId as string
  return options
}
