import type { EventStore } from '@acta/core'

export interface OverviewSample {
  at: string
  headPosition: number
  /** Events appended per second since the previous sample. */
  eventsPerSecond: number
  /** Lag in events of each projection / process manager at that time. */
  lag: Record<string, number>
}

export interface OverviewSampler {
  samples(): OverviewSample[]
  stop(): void
}

/**
 * Samples the log's head (and projection lags, when `lags` is given) every `intervalMs`, keeping
 * the last `keep` samples: the overview plots them without the browser having to stay open.
 */
export function overviewSampler(options: {
  store: EventStore
  lags?: () => Promise<Record<string, number>>
  intervalMs?: number
  keep?: number
  onError?: (error: unknown) => void
}): OverviewSampler {
  const intervalMs = options.intervalMs ?? 2000
  const keep = options.keep ?? 300
  const samples: OverviewSample[] = []
  let previous: { at: number; head: number } | undefined
  let running = false
  const sample = async () => {
    if (running) return
    running = true
    try {
      const head = await options.store.headPosition()
      const now = Date.now()
      const lag = options.lags ? await options.lags() : {}
      const eventsPerSecond =
        previous && now > previous.at ? Math.max(0, ((head - previous.head) * 1000) / (now - previous.at)) : 0
      previous = { at: now, head }
      samples.push({ at: new Date(now).toISOString(), headPosition: head, eventsPerSecond, lag })
      if (samples.length > keep) samples.splice(0, samples.length - keep)
    } catch (error) {
      options.onError?.(error)
    } finally {
      running = false
    }
  }
  void sample()
  const timer = setInterval(() => void sample(), intervalMs)
  timer.unref()
  return { samples: () => [...samples], stop: () => clearInterval(timer) }
}
