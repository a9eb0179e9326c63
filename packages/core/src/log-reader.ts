import type { ChangeSignal } from './change-signal.js'
import type { ReadAllOptions, SubscribeOptions, Subscription } from './event-store.js'
import type { StoredEvent } from './messages.js'

/** One page of the global log in log order, strictly after `after`. Adapters implement this. */
export type FetchAfter = (after: number, limit: number) => Promise<readonly StoredEvent[]>

export const defaultBatchSize = 500

/** `readAll` on top of a page fetcher. */
export async function* readAllPages(
  fetch: FetchAfter,
  options: ReadAllOptions = {},
): AsyncGenerator<StoredEvent> {
  let after = options.after ?? 0
  let remaining = options.limit ?? Number.POSITIVE_INFINITY
  const batchSize = Math.max(1, options.batchSize ?? defaultBatchSize)
  while (remaining > 0) {
    const requested = Math.min(batchSize, remaining)
    const page = await fetch(after, requested)
    for (const event of page) yield event
    if (page.length < requested) return
    remaining -= page.length
    after = page[page.length - 1]!.globalPosition
  }
}

export interface LogSubscriptionOptions extends SubscribeOptions {
  /** Longest sleep between reads when no wake-up arrives; bounds latency if a wake-up is lost. */
  pollIntervalMs?: number
}

/**
 * A catch-up subscription on top of a page fetcher and a change signal: read pages until one comes
 * back short, report "caught up", sleep until woken (or the poll interval), repeat. Correctness
 * rests on the fetcher returning events strictly after the checkpoint in log order; wake-ups only cut latency.
 */
export function logSubscription(
  fetch: FetchAfter,
  changes: ChangeSignal,
  options: LogSubscriptionOptions = {},
): Subscription {
  const controller = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal
  const batchSize = Math.max(1, options.batchSize ?? defaultBatchSize)
  const pollIntervalMs = options.pollIntervalMs ?? 1000
  let position = options.after ?? 0
  let delivered = 0
  const limit = options.limit ?? Number.POSITIVE_INFINITY

  async function* run(): AsyncGenerator<StoredEvent> {
    let wasCaughtUp = false
    while (!signal.aborted && delivered < limit) {
      const seq = changes.current
      const requested = Math.min(batchSize, limit - delivered)
      const page = await fetch(position, requested)
      if (page.length > 0) {
        wasCaughtUp = false
        for (const event of page) {
          if (signal.aborted) return
          position = event.globalPosition
          delivered++
          yield event
        }
        // A full page may have more behind it. A short one reached the end of the log as read:
        // reading again at once would come back empty (one wasted query per wake-up on a database);
        // an append since then changed `seq`, so the wait below returns at once.
        if (page.length >= requested) continue
        if (signal.aborted) return
      }
      if (!wasCaughtUp) {
        wasCaughtUp = true
        options.onCaughtUp?.(position)
      }
      await changes.wait(seq, pollIntervalMs, signal)
    }
  }

  const iterator = run()
  return {
    get position() {
      return position
    },
    async close() {
      controller.abort()
      await iterator.return(undefined)
    },
    [Symbol.asyncIterator]() {
      return iterator
    },
  }
}
