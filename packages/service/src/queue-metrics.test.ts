import { memoryTransport } from '@acta/core'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { queueMetrics } from './queue-metrics.js'

describe('queueMetrics', () => {
  it('publishes each durable queue’s waiting, consumers and parked messages at scrape time', async () => {
    // Given a queue with two waiting commands, and a queue with a consumer and a parked message
    const transport = memoryTransport()
    const registry = new Registry()
    queueMetrics(registry, transport)
    await transport.send('todo-write', { type: 'post-todo', data: {} })
    await transport.send('todo-write', { type: 'post-todo', data: {} })
    await transport.consume(
      'send-mail',
      () => {
        throw new Error('SMTP down')
      },
      { maxAttempts: 1 },
    )
    await transport.send('send-mail', { type: 'send-mail', data: {} })
    await expect.poll(async () => (await transport.listDeadLetters('send-mail')).length).toBe(1)

    // When /metrics is scraped
    const text = await registry.metrics()

    // Then every queue has its three gauges
    expect(text).toContain('acta_queue_ready_messages{queue="todo-write"} 2')
    expect(text).toContain('acta_queue_consumers{queue="todo-write"} 0')
    expect(text).toContain('acta_queue_consumers{queue="send-mail"} 1')
    expect(text).toContain('acta_queue_parked_messages{queue="send-mail"} 1')
    await transport.close()
  })

  it('shows no queue, and no error, when the listing fails', async () => {
    const transport = memoryTransport()
    const registry = new Registry()
    queueMetrics(registry, transport)
    await transport.send('todo-write', { type: 'post-todo', data: {} })
    await transport.close()
    const text = await registry.metrics()
    expect(text).toContain('# TYPE acta_queue_ready_messages gauge')
    expect(text).not.toContain('queue="todo-write"')
  })
})
