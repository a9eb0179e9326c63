import type { ReadSide, RunnerState } from '@acta/core'
import { Gauge, type Registry } from 'prom-client'

const states: readonly RunnerState[] = [
  'starting',
  'catching-up',
  'running',
  'rebuilding',
  'stopped',
  'faulted',
  'standby',
  'superseded',
]

/**
 * Publishes a read side's status on a Prometheus registry, read when /metrics is scraped:
 * position, head, lag in events and milliseconds, rate, parked events, and the state as a
 * one-hot `acta_projection_state{state=…}` gauge, each labelled by projection and kind.
 *
 * @example
 * setup: (ctx) => {
 *   const readSide = createReadSide({ store: ctx.store, documents, leases: ctx.leases })
 *   readSideMetrics(ctx.metrics, readSide)
 *   return { readSide }
 * }
 */
export function readSideMetrics(registry: Registry, readSide: ReadSide): void {
  const labelNames = ['projection', 'kind'] as const
  // prom-client collects every metric of a scrape concurrently: they share one status read
  let shared: { at: number; statuses: ReturnType<ReadSide['status']> } | undefined
  const statuses = () => {
    if (!shared || Date.now() - shared.at > 250) shared = { at: Date.now(), statuses: readSide.status() }
    return shared.statuses
  }
  type Status = Awaited<ReturnType<ReadSide['status']>>[number]
  const gauge = (name: string, help: string, value: (status: Status) => number) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset()
        for (const status of await statuses())
          this.set({ projection: status.name, kind: status.kind }, value(status))
      },
    })
  gauge('acta_projection_position', 'Checkpoint of the active build', (s) => s.position)
  gauge('acta_projection_head_position', 'Head of the log when last read', (s) => s.headPosition)
  gauge('acta_projection_lag_events', 'Log positions between the checkpoint and the head', (s) => s.lagEvents)
  gauge('acta_projection_lag_seconds', 'Age of the newest applied event while behind', (s) => s.lagMs / 1000)
  gauge(
    'acta_projection_events_per_second',
    'Events applied per second, recent window',
    (s) => s.eventsPerSecond,
  )
  gauge('acta_projection_parked_events', 'Events parked after failing every attempt', (s) => s.parked)
  new Gauge({
    name: 'acta_projection_state',
    help: 'One for the current state of each projection, zero for the others',
    labelNames: [...labelNames, 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset()
      for (const status of await statuses()) {
        for (const state of states) {
          this.set({ projection: status.name, kind: status.kind, state }, state === status.state ? 1 : 0)
        }
      }
    },
  })
}
