import type { EventStore } from '@acta/core'
import { benchEvents, foldAmount } from './target.js'
import type { StoreTarget } from './target.js'

/** Any Acta adapter, used only through the EventStore port. */
export function actaTarget(name: string, store: EventStore): StoreTarget {
  return {
    name,
    async append(streamId, expectedVersion, count) {
      await store.append(streamId, benchEvents(streamId, expectedVersion, count), { expectedVersion })
    },
    async readAndFold(streamId) {
      const { events } = await store.readStream(streamId)
      return events.reduce((total, event) => foldAmount(total, event.data), 0)
    },
    // the catch-up path a projection takes: subscribe from 0, stop when the subscription reports caught up
    async catchUp(pageSize, onPage) {
      const subscription = store.subscribe({
        after: 0,
        batchSize: pageSize,
        onCaughtUp: () => void subscription.close(),
      })
      let count = 0
      let total = 0
      for await (const event of subscription) {
        total = foldAmount(total, event.data)
        if (++count % pageSize === 0) onPage()
      }
      return count
    },
    close: () => store.close(),
  }
}
