import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The runtime's own metrics, on the service's registry. */
export interface ServiceMetrics {
  readonly registry: Registry
  /** Records one answered request; `route` is the path pattern (`unmatched` for 404 and 405). */
  observeRequest(method: string, route: string, status: number, seconds: number): void
  /** Tells the in-flight gauge how to count requests being handled; read when /metrics is scraped. */
  countInFlight(count: () => number): void
  readonly commandsHandled: Counter<'type'>
  readonly commandsRefused: Counter<'type' | 'code'>
  readonly commandsSent: Counter<'type'>
  readonly messagesHandled: Counter<'subscription'>
  readonly messagesFailed: Counter<'subscription'>
}

/**
 * A registry per service, labelled `service=<name>`, with process metrics (CPU, memory, event loop
 * lag, GC), the HTTP request histogram and in-flight gauge, and command and message counters.
 */
export function serviceMetrics(service: string): ServiceMetrics {
  const registry = new Registry()
  registry.setDefaultLabels({ service })
  collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from routing to the response, by method, route pattern and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  })
  // label hashing is the costly part of observe(): keep one child per label combination
  const children = new Map<string, { observe(value: number): void }>()
  let inFlight = () => 0
  const metrics: ServiceMetrics = {
    registry,
    countInFlight(count) {
      inFlight = count
    },
    observeRequest(method, route, status, seconds) {
      const key = `${method} ${status} ${route}`
      let child = children.get(key)
      if (!child) {
        child = duration.labels({ method, route, status_code: status })
        children.set(key, child)
      }
      child.observe(seconds)
    },
    commandsHandled: new Counter({
      name: 'acta_commands_handled_total',
      help: 'Commands handled successfully, inline or from a queue',
      labelNames: ['type'] as const,
      registers,
    }),
    commandsRefused: new Counter({
      name: 'acta_commands_refused_total',
      help: 'Commands refused with an ActaError, by code',
      labelNames: ['type', 'code'] as const,
      registers,
    }),
    commandsSent: new Counter({
      name: 'acta_commands_sent_total',
      help: 'Commands sent to a queue by asynchronous command routes',
      labelNames: ['type'] as const,
      registers,
    }),
    messagesHandled: new Counter({
      name: 'acta_messages_handled_total',
      help: 'Messages and log events handled by subscriptions',
      labelNames: ['subscription'] as const,
      registers,
    }),
    messagesFailed: new Counter({
      name: 'acta_messages_failed_total',
      help: 'Messages and log events whose handler threw (retried or redelivered)',
      labelNames: ['subscription'] as const,
      registers,
    }),
  }
  new Gauge({
    name: 'http_requests_in_flight',
    help: 'Requests being handled',
    registers,
    collect() {
      this.set(inFlight())
    },
  })
  return metrics
}
