import { ValidationError, defaultEventTopic, type StoredEvent } from '@acta/core'

/** The queue and topics one fleet uses on its transport, all under one namespace. */
export interface Channels {
  readonly namespace: string
  /** The queue every replica serves (competing consumers) with PutValue and DeleteValue. */
  readonly commandQueue: string
  /** Where the outbox relay publishes an event: `<namespace>.value.ValueHasBeenPut`. */
  readonly eventTopic: (event: StoredEvent) => string
  /** What each replica's read model subscribes to. */
  readonly valueTopics: readonly string[]
  /** Where a command handler answers the replica that sent a command (only when it recorded nothing). */
  readonly replyTopic: (replicaId: string) => string
  /** Websocket connections opened and closed on any replica. */
  readonly connectionOpened: string
  readonly connectionClosed: string
  readonly connectionTopics: readonly string[]
}

const word = /^[A-Za-z0-9_-]{1,64}$/

/**
 * The channels of namespace `namespace` (default `kv`): fleets with different namespaces can share
 * one RabbitMQ broker without hearing each other (tests and benchmarks use one per run).
 */
export function channels(namespace = 'kv'): Channels {
  if (!word.test(namespace))
    throw new ValidationError(`The namespace "${namespace}" must be 1-64 of A-Z a-z 0-9 _ -`)
  return {
    namespace,
    commandQueue: `${namespace}.commands`,
    eventTopic: (event) => `${namespace}.${defaultEventTopic(event)}`,
    valueTopics: [`${namespace}.value.*`],
    replyTopic: (replicaId) => `${namespace}.replies.${replicaId}`,
    connectionOpened: `${namespace}.connections.opened`,
    connectionClosed: `${namespace}.connections.closed`,
    connectionTopics: [`${namespace}.connections.*`],
  }
}
