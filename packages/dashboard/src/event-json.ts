import type { StoredEvent } from '@acta/core'
import { streamCategory } from '@acta/core'

/** An event as the admin API shows it. */
export interface EventJson {
  position: number
  eventId: string
  streamId: string
  category: string
  version: number
  type: string
  data: unknown
  metadata: Record<string, unknown>
  recordedAt: string
}

/** A page of the global log, as `GET /log` and `GET /log/tail` answer. */
export interface LogPage {
  events: EventJson[]
  /** Pass as `after` for the next page; null at the head of the log. */
  next: number | null
  headPosition: number
  /** Events read to fill this page (filters skip the others). */
  scanned: number
}

/** A page of one stream, as `GET /streams/:id` answers. */
export interface StreamPage {
  streamId: string
  version: number
  exists: boolean
  events: EventJson[]
  /** First version of the next page; null when this page reaches the end. */
  next: number | null
}

export function eventJson(event: StoredEvent): EventJson {
  return {
    position: event.globalPosition,
    eventId: event.eventId,
    streamId: event.streamId,
    category: streamCategory(event.streamId),
    version: event.streamVersion,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    recordedAt: event.recordedAt.toISOString(),
  }
}

/** Filters of the global log: categories and event types (any of each; empty lists match all). */
export interface LogFilter {
  categories: readonly string[]
  types: readonly string[]
  correlationId?: string | undefined
}

export function matchesFilter(event: StoredEvent, filter: LogFilter): boolean {
  if (filter.categories.length > 0 && !filter.categories.includes(streamCategory(event.streamId)))
    return false
  if (filter.types.length > 0 && !filter.types.includes(event.type)) return false
  if (filter.correlationId !== undefined && event.metadata.correlationId !== filter.correlationId)
    return false
  return true
}
