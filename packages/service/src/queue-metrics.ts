import type { QueueStatus, Transport } from '@acta/core'
import { Gauge, type Registry } from 'prom-client'

/**
 * Publishes the transport's durable queues on a Prometheus registry, read when /metrics is scraped:
 * `acta_queue_ready_messages`, `acta_queue_consumers` and `acta_queue_parked_messages`, labelled
 * by queue. One service per deployment is enough (every queue of the bus is listed from any
 * process); the admin service does it. A scrape whose listing fails shows no queue rather than
 * failing the whole scrape.
 *
 * @example
 * setup: (ctx) => void queueMetrics(ctx.metrics, ctx.transport)
 */
export function queueMetrics(registry: Registry, transport: Transport): void {
  // prom-client collects every metric of a scrape concurrently: they share one listing
  let shared: { at: number; queues: Promise<readonly QueueStatus[]> } | undefined
  const queues = () => {
    if (!shared || Date.now() - shared.at > 250)
      shared = { at: Date.now(), queues: transport.queues().catch(() => []) }
    return shared.queues
  }
  const gauge = (name: string, help: string, value: (queue: QueueStatus) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['queue'] as const,
      registers: [registry],
      async collect() {
        this.reset()
        for (const queue of await queues()) this.set({ queue: queue.queue }, value(queue))
      },
    })
  gauge('acta_queue_ready_messages', 'Messages waiting in a durable queue for a consumer', (q) => q.ready)
  gauge('acta_queue_consumers', 'Consumers attached to a durable queue, in every process', (q) => q.consumers)
  gauge('acta_queue_parked_messages', 'Messages parked after their last attempt', (q) => q.parked)
}
