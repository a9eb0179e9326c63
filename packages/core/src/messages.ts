/**
 * Metadata every message may carry. Unknown keys are kept as given.
 * `traceparent` / `tracestate` follow W3C Trace Context.
 */
export interface Metadata {
  messageId?: string
  correlationId?: string
  causationId?: string
  traceparent?: string
  tracestate?: string
  /** Schema version of `data`; 1 when absent. Upcasters raise old versions on read. */
  schemaVersion?: number
  [key: string]: unknown
}

/** Metadata as stored: `schemaVersion` is always present. */
export interface StoredMetadata extends Metadata {
  schemaVersion: number
}

/**
 * A fact that happened. `type` is the discriminant of a union of events.
 *
 * @example
 * type ValuePut = Event<'ValuePut', { key: string; value: string }>
 */
export interface Event<Type extends string = string, Data = unknown> {
  readonly type: Type
  readonly data: Data
  readonly metadata?: Metadata
}

/** An intention addressed to one decider. */
export interface Command<Type extends string = string, Data = unknown> {
  readonly type: Type
  readonly data: Data
  readonly metadata?: Metadata
}

/** An event on its way into the store. `eventId` (a UUID) makes a retried append idempotent. */
export type NewEvent<E extends Event = Event> = E extends Event ? E & { readonly eventId?: string } : never

/** An event as read back from the store. Distributes over unions so `switch (event.type)` narrows `data`. */
export type StoredEvent<E extends Event = Event> = E extends Event
  ? {
      readonly type: E['type']
      readonly data: E['data']
      readonly metadata: StoredMetadata
      readonly eventId: string
      readonly streamId: string
      /** 1 for the first event of a stream, then +1 without gaps. */
      readonly streamVersion: number
      /** Unique position in the global log; the checkpoint a reader resumes after. */
      readonly globalPosition: number
      readonly recordedAt: Date
    }
  : never

/** Any event type string of a union. */
export type EventType<E extends Event> = E['type']
