export interface RateMeter {
  add(count: number, now?: number): void
  /** Events per second over the window; 0 when nothing happened within it. */
  perSecond(now?: number): number
}

/** Events per second over a sliding window of about `windowMs`. */
export function rateMeter(windowMs = 5000): RateMeter {
  const samples: { at: number; total: number }[] = []
  let total = 0
  return {
    add(count, now = Date.now()) {
      total += count
      const last = samples[samples.length - 1]
      if (last && now - last.at < 100) last.total = total
      else samples.push({ at: now, total })
      while (samples.length > 2 && now - samples[0]!.at > windowMs) samples.shift()
    },
    perSecond(now = Date.now()) {
      const first = samples[0]
      const last = samples[samples.length - 1]
      if (!first || !last || now - last.at > windowMs) return 0
      const base = samples.length === 1 ? { at: first.at - 100, total: 0 } : first
      return ((total - base.total) * 1000) / Math.max(1, now - base.at)
    },
  }
}
