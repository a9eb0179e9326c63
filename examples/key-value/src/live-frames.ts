import type { IncomingMessage, StoredEvent } from '@acta/core'
import type { ValueEvent } from './key-value.js'

/** The websocket path of the live feed, and the `route` every frame names. */
export const eventsPath = '/events'
const route = 'events'

/** A websocket frame of the live feed (the DriftPHP demo's format). */
export type LiveFrame =
  | {
      readonly type: 'domain_event'
      readonly route: typeof route
      readonly from: 'Domain Event'
      readonly value: ValueEvent['type']
      readonly event:
        | { readonly event: 'value_put'; readonly key: string; readonly value: string }
        | { readonly event: 'value_deleted'; readonly key: string }
    }
  | {
      readonly type: 'connection_opened' | 'connection_closed'
      readonly route: typeof route
      /** The connection's id. */
      readonly from: string
      readonly value: 'Connection opened' | 'Connection closed'
    }

/** The frame of a value event applied to the model. */
export function domainEventFrame(event: StoredEvent<ValueEvent>): LiveFrame {
  return {
    type: 'domain_event',
    route,
    from: 'Domain Event',
    value: event.type,
    event:
      event.type === 'ValueHasBeenPut'
        ? { event: 'value_put', key: event.data.key, value: event.data.value }
        : { event: 'value_deleted', key: event.data.key },
  }
}

/** Message types of the connection notices replicas publish to each other. */
export const connectionOpenedType = 'ConnectionOpened'
export const connectionClosedType = 'ConnectionClosed'

/** The frame of a connection notice another replica (or this one) published; undefined if it is none. */
export function connectionFrame(message: IncomingMessage): LiveFrame | undefined {
  const id = (message.data as { id?: unknown } | null)?.id
  if (typeof id !== 'string') return undefined
  if (message.type === connectionOpenedType)
    return { type: 'connection_opened', route, from: id, value: 'Connection opened' }
  if (message.type === connectionClosedType)
    return { type: 'connection_closed', route, from: id, value: 'Connection closed' }
  return undefined
}
