/** What the prober last saw of one replica's `/readyz`. */
// a type literal, not an interface: the admin API's status type indexes it by string
export type ProbedReplica = {
  readonly url: string
  readonly healthy: boolean
  /** Failed probes in a row. */
  readonly failures: number
  readonly lastError: string | null
  readonly checkedAt: string | null
}

export interface ReadinessProber {
  /** The replicas of `services()` as last probed (not yet probed: unhealthy, checkedAt null). */
  status(): Record<string, { upstreams: ProbedReplica[] }>
  stop(): void
}

/**
 * Probes `/readyz` of services that run beside the gateway without routes (process managers, a
 * mailer), so the overview shows them with the routed ones. `services` is read on every round, so
 * units added by a reload are picked up.
 */
export function readinessProber(
  services: () => Readonly<Record<string, readonly string[]>>,
  options: { intervalMs?: number; timeoutMs?: number } = {},
): ReadinessProber {
  const seen = new Map<string, ProbedReplica>()
  const probe = async (url: string) => {
    const before = seen.get(url)
    try {
      const answer = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(options.timeoutMs ?? 1000) })
      await answer.body?.cancel()
      const healthy = answer.status === 200
      seen.set(url, {
        url,
        healthy,
        failures: healthy ? 0 : (before?.failures ?? 0) + 1,
        lastError: healthy ? null : `/readyz answered ${answer.status}`,
        checkedAt: new Date().toISOString(),
      })
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause
      seen.set(url, {
        url,
        healthy: false,
        failures: (before?.failures ?? 0) + 1,
        lastError: cause?.code ?? cause?.message ?? (error as Error).message,
        checkedAt: new Date().toISOString(),
      })
    }
  }
  const round = () => Promise.all(Object.values(services()).flat().map(probe))
  void round()
  const timer = setInterval(() => void round(), options.intervalMs ?? 2000)
  timer.unref()
  return {
    status: () =>
      Object.fromEntries(
        Object.entries(services()).map(([name, urls]) => [
          name,
          {
            upstreams: urls.map(
              (url) =>
                seen.get(url) ?? { url, healthy: false, failures: 0, lastError: null, checkedAt: null },
            ),
          },
        ]),
      ),
    stop: () => clearInterval(timer),
  }
}
