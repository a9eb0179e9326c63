import type { FindOptions } from './document-store.js'
import { ValidationError } from './errors.js'
import { streamCategory } from './event-messages.js'
import type { StoredEvent } from './messages.js'
import type { ProjectionDefinition } from './projection.js'
import { defineProjection } from './projection.js'
import type { ReadSide } from './read-side-types.js'

/** One recorded event, as the event log keeps and returns it. */
export interface EventLogEntry {
  [key: string]: unknown
  globalPosition: number
  eventId: string
  type: string
  streamId: string
  category: string
  correlationId: string | null
  causationId: string | null
  recordedAt: string
  data: unknown
  metadata: Record<string, unknown>
}

export interface EventLogOptions {
  /** Projection name; its collection is called `<name>_entries`. Default `event_log`. */
  name?: string
  /** Event types to record (`*` at the end matches a prefix: `Todo*`). Default all. */
  allow?: readonly string[]
  /** Event types never recorded, checked after `allow`. */
  deny?: readonly string[]
}

const matcher = (patterns: readonly string[] | undefined) => {
  if (patterns === undefined) return undefined
  const exact = new Set(patterns.filter((p) => !p.endsWith('*')))
  const prefixes = patterns.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1))
  return (type: string) => exact.has(type) || prefixes.some((prefix) => type.startsWith(prefix))
}

/** Whether the log records an event type under the given allow and deny lists. */
export function eventLogFilter(options: Pick<EventLogOptions, 'allow' | 'deny'>): (type: string) => boolean {
  const allowed = matcher(options.allow)
  const denied = matcher(options.deny)
  return (type) => (allowed === undefined || allowed(type)) && !denied?.(type)
}

/**
 * The event log (LightMVC's event logger): a projection that records every event passing its
 * allow and deny lists into a queryable collection. Register it on a read side over its own
 * document store to keep it in a separate database.
 *
 * @example
 * const audit = createReadSide({ store, documents: sqliteDocumentStore({ path: '.acta/audit.db' }), leases })
 * audit.register(defineEventLog({ deny: ['Heartbeat*'] }))
 * await queryEventLog(audit, { correlationId: 'c-1' })
 */
export function defineEventLog(options: EventLogOptions = {}): ProjectionDefinition {
  const name = options.name ?? 'event_log'
  const records = eventLogFilter(options)
  const collection = `${name}_entries`
  return defineProjection({
    name,
    kind: 'event-log',
    version: 1,
    collections: { [collection]: { indexes: ['type', 'streamId', 'correlationId', 'category'] } },
    handlers: {
      '*': async (event: StoredEvent, context) => {
        if (!records(event.type)) return
        await context.collection<EventLogEntry>(collection).put(String(event.globalPosition), {
          globalPosition: event.globalPosition,
          eventId: event.eventId,
          type: event.type,
          streamId: event.streamId,
          category: streamCategory(event.streamId),
          correlationId: event.metadata.correlationId ?? null,
          causationId: event.metadata.causationId ?? null,
          recordedAt: event.recordedAt.toISOString(),
          data: event.data,
          metadata: { ...event.metadata },
        })
      },
    },
  })
}

export interface EventLogQuery {
  type?: string
  streamId?: string
  category?: string
  correlationId?: string
  /** Newest first when true. Default false (log order). */
  newestFirst?: boolean
  limit?: number
  offset?: number
}

/** Recorded events matching every given field, in log order. */
export async function queryEventLog(
  readSide: ReadSide,
  query: EventLogQuery = {},
  name = 'event_log',
): Promise<EventLogEntry[]> {
  const where: Record<string, string> = {}
  for (const field of ['type', 'streamId', 'category', 'correlationId'] as const) {
    const value = query[field]
    if (value !== undefined) {
      if (typeof value !== 'string') throw new ValidationError(`${field} must be a string`)
      where[field] = value
    }
  }
  const find: FindOptions = {
    where,
    orderBy: [{ field: 'globalPosition', direction: query.newestFirst ? 'desc' : 'asc' }],
    limit: query.limit ?? 100,
    offset: query.offset ?? 0,
  }
  return readSide.collection<EventLogEntry>(name, `${name}_entries`).find(find)
}
