import { maxCorrelationLimit, type EventStore } from '@acta/core'
import type { QueryValues } from '@acta/service'
import { HttpProblem } from '@acta/service'
import {
  eventJson,
  matchesFilter,
  type EventJson,
  type LogFilter,
  type LogPage,
  type StreamPage,
} from './event-json.js'
import { integer, list, single } from './query-params.js'

/** Events a filtered page reads at most before answering with what it found (and where to go on). */
export const scanBudget = 20_000

/**
 * One page of the global log after `after`, filtered by category and type. The store has no index
 * for those, so a filtered page reads forward at most {@link scanBudget} events and says where it
 * stopped: a client keeps paging with `next` until it has enough. A correlation id is looked up in
 * the store's index instead (see {@link readCorrelationPage}).
 */
export async function readLogPage(store: EventStore, query: QueryValues): Promise<LogPage> {
  const after = integer(query, 'after', { min: 0, max: Number.MAX_SAFE_INTEGER, fallback: 0 })
  const limit = integer(query, 'limit', { min: 1, max: 500, fallback: 50 })
  const filter: LogFilter = {
    categories: list(query, 'category'),
    types: list(query, 'type'),
    correlationId: single(query, 'correlationId'),
  }
  const headPosition = await store.headPosition()
  if (filter.correlationId !== undefined)
    return readCorrelationPage(
      store,
      filter as LogFilter & { correlationId: string },
      after,
      limit,
      headPosition,
    )
  const events: EventJson[] = []
  let last = after
  let scanned = 0
  for await (const event of store.readAll({
    after,
    limit: scanBudget,
    batchSize: Math.min(1000, scanBudget),
  })) {
    scanned++
    last = event.globalPosition
    if (matchesFilter(event, filter)) {
      events.push(eventJson(event))
      if (events.length === limit) break
    }
  }
  return { events, next: last >= headPosition ? null : last, headPosition, scanned }
}

/**
 * A page of one correlation's events after `after` (an event of it, or 0), through the store's
 * correlation index: no budget, `scanned` counts the correlation's events read. A correlation
 * longer than the store's largest read (10,000 events) is cut there.
 */
async function readCorrelationPage(
  store: EventStore,
  filter: LogFilter & { correlationId: string },
  after: number,
  limit: number,
  headPosition: number,
): Promise<LogPage> {
  const flow = await store.readByCorrelation(filter.correlationId, { limit: maxCorrelationLimit })
  // positions follow the log order in SQLite, not always in PostgreSQL: resume after the event itself
  const start = after === 0 ? 0 : flow.findIndex((event) => event.globalPosition === after) + 1
  const events: EventJson[] = []
  let index = start
  for (; index < flow.length && events.length < limit; index++) {
    const event = flow[index]!
    if (matchesFilter(event, filter)) events.push(eventJson(event))
  }
  const next = index < flow.length ? flow[index - 1]!.globalPosition : null
  return { events, next, headPosition, scanned: index - start }
}

/** The newest `limit` events of the log (matching the filter), newest last: what a live view starts with. */
export async function readLogTail(store: EventStore, query: QueryValues): Promise<LogPage> {
  const limit = integer(query, 'limit', { min: 1, max: 500, fallback: 50 })
  const headPosition = await store.headPosition()
  const filter: LogFilter = { categories: list(query, 'category'), types: list(query, 'type') }
  const window = Math.min(headPosition, scanBudget)
  const found: EventJson[] = []
  let scanned = 0
  for await (const event of store.readAll({ after: headPosition - window, batchSize: 1000 })) {
    if (event.globalPosition > headPosition) break
    scanned++
    if (matchesFilter(event, filter)) {
      found.push(eventJson(event))
      if (found.length > limit) found.shift()
    }
  }
  return { events: found, next: null, headPosition, scanned }
}

/** A stream's events from version `from` (default 1), `limit` at a time; 404 for a stream never written. */
export async function readStreamPage(
  store: EventStore,
  streamId: string,
  query: QueryValues,
): Promise<StreamPage> {
  const from = integer(query, 'from', { min: 1, max: Number.MAX_SAFE_INTEGER, fallback: 1 })
  const limit = integer(query, 'limit', { min: 1, max: 500, fallback: 100 })
  const result = await store.readStream(streamId, { from, limit })
  if (result.version === 0)
    throw new HttpProblem({ status: 404, title: 'Not Found', detail: `Stream "${streamId}" has no events` })
  const events = result.events.map(eventJson)
  const lastVersion = events.at(-1)?.version ?? result.version
  return {
    streamId,
    version: result.version,
    exists: result.exists,
    events,
    next: lastVersion < result.version && events.length === limit ? lastVersion + 1 : null,
  }
}
