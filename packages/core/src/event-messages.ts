import { ValidationError } from './errors.js'
import type { StoredEvent, StoredMetadata } from './messages.js'
import type { IncomingMessage, OutgoingMessage } from './transport.js'

const wordUnsafe = /[^A-Za-z0-9_\-:]+/g

/** A topic word from any string: characters topics do not allow become `_`. */
export function topicWord(value: string): string {
  return value.replace(wordUnsafe, '_') || '_'
}

/** The stream's category: the part before the first `-` (`todo-42` -> `todo`). */
export function streamCategory(streamId: string): string {
  const dash = streamId.indexOf('-')
  return dash > 0 ? streamId.slice(0, dash) : streamId
}

/** Default topic of a published event: `<category>.<type>`, e.g. `todo.TodoWasPosted`. */
export function defaultEventTopic(event: StoredEvent): string {
  return `${topicWord(streamCategory(event.streamId))}.${topicWord(event.type)}`
}

/**
 * The transport message for a stored event. `messageId` is the event id, so every relay instance
 * publishes the same id and consumers dedupe redeliveries by it.
 */
export function eventToMessage(event: StoredEvent): OutgoingMessage {
  const { correlationId, causationId, traceparent, tracestate } = event.metadata
  return {
    type: event.type,
    data: event.data,
    headers: {
      messageId: event.eventId,
      correlationId,
      causationId,
      traceparent,
      tracestate,
      streamId: event.streamId,
      streamVersion: event.streamVersion,
      globalPosition: event.globalPosition,
      recordedAt: event.recordedAt.toISOString(),
      metadata: JSON.stringify(event.metadata),
    },
  }
}

/** The stored event a relayed message carries; throws VALIDATION for a message that is not one. */
export function messageToEvent(message: IncomingMessage): StoredEvent {
  const h = message.headers
  if (
    typeof h.streamId !== 'string' ||
    typeof h.globalPosition !== 'number' ||
    typeof h.streamVersion !== 'number'
  ) {
    throw new ValidationError(`Message ${h.messageId} is not a relayed event`)
  }
  const metadata =
    typeof h.metadata === 'string' ? (JSON.parse(h.metadata) as StoredMetadata) : { schemaVersion: 1 }
  return {
    type: message.type,
    data: message.data,
    metadata,
    eventId: h.messageId,
    streamId: h.streamId,
    streamVersion: h.streamVersion,
    globalPosition: h.globalPosition,
    recordedAt: new Date(typeof h.recordedAt === 'string' ? h.recordedAt : 0),
  }
}
