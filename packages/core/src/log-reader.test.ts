import { describe, expect, it } from 'vitest'
import { ChangeSignal } from './change-signal.js'
import { logSubscription, type FetchAfter } from './log-reader.js'
import type { StoredEvent } from './messages.js'

function event(position: number): StoredEvent {
  return {
    type: 'Happened',
    data: {},
    metadata: { schemaVersion: 1 },
    eventId: `event-${position}`,
    streamId: 'stream-1',
    streamVersion: position,
    globalPosition: position,
    recordedAt: new Date(0),
  }
}

/** A log of `count` events whose fetcher counts its reads. */
function countedLog(count: number) {
  const log = Array.from({ length: count }, (_, i) => event(i + 1))
  const reads: number[] = []
  return {
    log,
    reads,
    fetch: async (after: number, limit: number) => {
      reads.push(after)
      return log.slice(after, after + limit)
    },
  }
}

/** Follows a log subscription: what it delivered, where it reported caught up, and its stop. */
function follow(fetch: FetchAfter, changes: ChangeSignal, batchSize: number) {
  const caughtUp: number[] = []
  const delivered: number[] = []
  const subscription = logSubscription(fetch, changes, {
    batchSize,
    pollIntervalMs: 60_000,
    onCaughtUp: (position) => caughtUp.push(position),
  })
  const reading = (async () => {
    for await (const e of subscription) delivered.push(e.globalPosition)
  })()
  return {
    caughtUp,
    delivered,
    async stop() {
      await subscription.close()
      await reading
    },
  }
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s')
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

describe('logSubscription', () => {
  it('reports caught up after a short page without reading the log again', async () => {
    // Given a log of three events and a subscription reading pages of ten
    const source = countedLog(3)
    const { caughtUp, delivered, stop } = follow(source.fetch, new ChangeSignal(), 10)

    // When it has delivered the three
    await until(() => caughtUp.length > 0)

    // Then one read delivered them and it reported caught up at the last one
    expect(delivered).toEqual([1, 2, 3])
    expect(caughtUp).toEqual([3])
    expect(source.reads).toEqual([0])
    await stop()
  })

  it('reads on at once after a full page', async () => {
    // Given a log of five events and pages of two
    const source = countedLog(5)
    const { caughtUp, delivered, stop } = follow(source.fetch, new ChangeSignal(), 2)

    // When it catches up
    await until(() => caughtUp.length > 0)

    // Then it read pages until the short one, without waiting for a wake-up
    expect(delivered).toEqual([1, 2, 3, 4, 5])
    expect(source.reads).toEqual([0, 2, 4])
    expect(caughtUp).toEqual([5])
    await stop()
  })

  it('delivers an event appended while a short page was being read, once woken', async () => {
    // Given a subscription that read a short page and an append that lands during that read
    const source = countedLog(2)
    const changes = new ChangeSignal()
    let appendDuringRead = true
    const fetch = async (after: number, limit: number) => {
      const page = await source.fetch(after, limit)
      if (appendDuringRead) {
        appendDuringRead = false
        source.log.push(event(3))
        changes.notify()
      }
      return page
    }
    const { delivered, stop } = follow(fetch, changes, 10)

    // When the subscription runs on
    await until(() => delivered.length === 3)

    // Then the appended event follows the page exactly once, in order
    expect(delivered).toEqual([1, 2, 3])
    expect(source.reads).toEqual([0, 2])
    await stop()
  })
})
