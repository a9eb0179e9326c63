import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { requestHistogram, type RouteObserver } from './request-histogram.js'

/** The runtime's own metrics, on the service's registry. */
export interface ServiceMetrics {
  readonly registry: Registry
  /** Records one answered request; `route` is the path pattern (`unmatched` for 404 and 405). */
  observeRequest(method: string, route: string, status: number, seconds: number): void
  /** The same for one route, looked up once: what a mounted route calls on every request. */
  routeObserver(route: string): RouteObserver
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
  const observerOf = requestHistogram(registry)
  const observers = new Map<string, RouteObserver>()
  let inFlight = () => 0
  const metrics: ServiceMetrics = {
    registry,
    countInFlight(count) {
      inFlight = count
    },
    observeRequest(method, route, status, seconds) {
      let observe = observers.get(route)
      if (!observe) observers.set(route, (observe = observerOf(route)))
      observe(method, status, seconds)
    },
    routeObserver: (route) => observerOf(route),
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
