import { uuidv7 } from '@acta/core'
import { benchEvents, foldAmount, storedMetadataJson } from './target.js'
import type { StoreTarget } from './target.js'

interface PlainEvent {
  type: string
  data: unknown
  metadata: unknown
  eventId: string
  streamId: string
  streamVersion: number
  globalPosition: number
  recordedAt: Date
}

/**
 * The raw baseline for the memory adapter: a Map of arrays plus one log array, with the version
 * check and the JSON copy any store needs so a caller's later mutation cannot change history.
 */
export function memoryPlainTarget(): StoreTarget {
  const log: PlainEvent[] = []
  const streams = new Map<string, PlainEvent[]>()
  return {
    name: 'plain Map+array',
    async append(streamId, expectedVersion, count) {
      let stream = streams.get(streamId)
      if ((stream?.length ?? 0) !== expectedVersion)
        throw new Error(`${streamId} is not at version ${expectedVersion}`)
      if (!stream) streams.set(streamId, (stream = []))
      const recordedAt = new Date()
      for (const event of benchEvents(streamId, expectedVersion, count)) {
        const stored: PlainEvent = {
          type: event.type,
          data: JSON.parse(JSON.stringify(event.data)) as unknown,
          metadata: JSON.parse(storedMetadataJson(event)) as unknown,
          eventId: uuidv7(),
          streamId,
          streamVersion: stream.length + 1,
          globalPosition: log.length + 1,
          recordedAt,
        }
        stream.push(stored)
        log.push(stored)
      }
    },
    async readAndFold(streamId) {
      return (streams.get(streamId) ?? []).reduce((total, event) => foldAmount(total, event.data), 0)
    },
    async catchUp(pageSize, onPage) {
      let after = 0
      let total = 0
      for (;;) {
        const page = log.slice(after, after + pageSize)
        for (const event of page) total = foldAmount(total, event.data)
        after += page.length
        if (page.length < pageSize) return after
        onPage()
      }
    },
    async close() {},
  }
}
