/** `12:03:04.123` for today, with the date otherwise. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '—'
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  const time =
    date.toLocaleTimeString(undefined, { hour12: false }) +
    `.${String(date.getMilliseconds()).padStart(3, '0')}`
  return date.toDateString() === new Date().toDateString() ? time : `${date.toLocaleDateString()} ${time}`
}

/** `850 ms`, `12.4 s`, `3 min 20 s`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const minutes = Math.floor(ms / 60_000)
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

/** A rate with one decimal below 10. */
export function formatRate(perSecond: number): string {
  return perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond).toLocaleString()
}

export function formatCount(n: number): string {
  return n.toLocaleString()
}

/** Pretty JSON, never throwing. */
export function pretty(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? 'undefined'
  } catch {
    return String(value)
  }
}

/** How long ago, coarsely: `just now`, `12 s ago`, `4 min ago`, `2 h ago`. */
export function formatAgo(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1000) return 'just now'
  if (ms < 120_000) return `${Math.floor(ms / 1000)} s ago`
  if (ms < 2 * 3_600_000) return `${Math.floor(ms / 60_000)} min ago`
  return `${Math.floor(ms / 3_600_000)} h ago`
}
