import { memoryCoordination, memoryEventStore, memoryTransport } from '@acta/core'
import { Gauge } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { defineService } from './define-service.js'
import type { Infrastructure } from './infrastructure.js'
import { keyValueHandler, startTestService } from './service.fixture.js'

const service = defineService({
  name: 'health-test',
  setup: (ctx) => {
    ctx.commandBus.register('put-value', keyValueHandler(ctx.store))
    const lag = new Gauge({ name: 'projection_lag_events', help: 'Events behind', registers: [ctx.metrics] })
    lag.set(3)
    return { lag }
  },
  routes: (r) => [
    r.get('/values/:key', () => ({ ok: true })),
    r.command('PUT', '/values/:key', {
      toCommand: ({ params, body }) => ({
        type: 'put-value',
        data: { key: params.key, value: String(body) },
      }),
    }),
  ],
})

function memoryInfrastructure(overrides: Partial<Infrastructure> = {}): Infrastructure {
  const store = memoryEventStore()
  const transport = memoryTransport()
  return {
    store,
    transport,
    ...memoryCoordination(),
    close: async () => {
      await transport.close()
      await store.close()
    },
    ...overrides,
  }
}

describe('health, readiness and metrics', () => {
  it('answers /healthz while the process runs', async () => {
    const running = await startTestService(service)
    try {
      const res = await fetch(`${running.url}/healthz`)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ status: 'ok' })
    } finally {
      await running.stop()
    }
  })

  it('answers /readyz with 200 when the store and the transport answer', async () => {
    const running = await startTestService(service)
    try {
      await fetch(`${running.url}/values/a`, {
        method: 'PUT',
        body: 'v',
        headers: { 'content-type': 'text/plain' },
      })
      const res = await fetch(`${running.url}/readyz`)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({
        status: 'ready',
        checks: { store: 'ok', transport: 'ok' },
        position: 1,
      })
    } finally {
      await running.stop()
    }
  })

  it('answers /readyz with 503 naming the check that failed, and logs why', async () => {
    const transport = memoryTransport()
    const broken = {
      ...transport,
      listDeadLetters: () => Promise.reject(new Error('broker at 10.0.0.7 refused')),
    }
    const running = await startTestService(service, {
      infrastructure: memoryInfrastructure({ transport: broken }),
    })
    try {
      const res = await fetch(`${running.url}/readyz`)
      expect(res.status).toBe(503)
      const problem = await res.text()
      expect(JSON.parse(problem)).toMatchObject({
        status: 503,
        title: 'Not ready',
        checks: { store: 'ok', transport: 'unreachable' },
      })
      expect(problem).not.toContain('10.0.0.7')
      expect(
        running.lines.some((line) => line.check === 'transport' && line.msg === 'readiness check failed'),
      ).toBe(true)
    } finally {
      await running.stop()
      await transport.close()
    }
  })

  it('answers /readyz with 503 when the store is gone', async () => {
    const infrastructure = memoryInfrastructure()
    const running = await startTestService(service, { infrastructure })
    try {
      await infrastructure.store.close()
      const res = await fetch(`${running.url}/readyz`)
      expect(res.status).toBe(503)
      expect(await res.json()).toMatchObject({ checks: { store: 'unreachable', transport: 'ok' } })
    } finally {
      await running.stop()
      await infrastructure.close()
    }
  })

  it('answers /readyz with 503 as soon as it stops, while other routes still answer during the delay', async () => {
    const running = await startTestService(service, { config: { shutdownDelayMs: 300 } })
    const stopped = running.stop()
    try {
      const ready = await fetch(`${running.url}/readyz`)
      expect(ready.status).toBe(503)
      expect(await ready.json()).toMatchObject({ detail: 'The service is shutting down' })
      expect((await fetch(`${running.url}/values/a`)).status).toBe(200)
    } finally {
      await stopped
    }
  })

  it('serves Prometheus metrics: request histogram, in-flight gauge, commands, process, and gauges of others', async () => {
    const running = await startTestService(service)
    try {
      await fetch(`${running.url}/values/a`)
      await fetch(`${running.url}/values/b`)
      await fetch(`${running.url}/values/a`, {
        method: 'PUT',
        body: 'v',
        headers: { 'content-type': 'text/plain' },
      })
      await fetch(`${running.url}/nowhere`)
      const res = await fetch(`${running.url}/metrics`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
      const text = await res.text()
      const route = { method: 'GET', route: '/values/:key', status_code: '200', service: 'health-test' }
      expect(sample(text, 'http_request_duration_seconds_count', route)).toBe(2)
      const unmatched = { method: 'GET', route: 'unmatched', status_code: '404' }
      expect(sample(text, 'http_request_duration_seconds_count', unmatched)).toBe(1)
      expect(sample(text, 'http_requests_in_flight', { service: 'health-test' })).toBe(1)
      expect(sample(text, 'acta_commands_handled_total', { type: 'put-value' })).toBe(1)
      expect(sample(text, 'process_cpu_user_seconds_total', {})).toBeGreaterThan(0)
      expect(sample(text, 'projection_lag_events', { service: 'health-test' })).toBe(3)
    } finally {
      await running.stop()
    }
  })
})

/** The value of the first sample of `name` carrying every label given, in any label order. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{(.*)\} (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const pairs = new Set(match[2]!.split(','))
    if (Object.entries(labels).every(([key, value]) => pairs.has(`${key}="${value}"`)))
      return Number(match[3])
  }
  return undefined
}
