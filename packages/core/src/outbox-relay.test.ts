import { describe, expect, it } from 'vitest'
import { memoryCoordination } from './coordination.js'
import { messageToEvent } from './event-messages.js'
import { memoryEventStore } from './memory-event-store.js'
import { memoryTransport } from './memory-transport.js'
import type { StoredEvent } from './messages.js'
import { startOutboxRelay } from './outbox-relay.js'
import type { Transport } from './transport.js'

const until = async (check: () => boolean, what: string, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

function setup() {
  const store = memoryEventStore()
  const transport = memoryTransport()
  const coordination = memoryCoordination()
  const received: StoredEvent[] = []
  const ready = transport.subscribe(['#'], (m) => void received.push(messageToEvent(m)))
  return { store, transport, ...coordination, received, ready }
}

describe('outbox relay', () => {
  it('publishes every event in log order with its headers, and checkpoints', async () => {
    const { store, transport, checkpoints, leases, received, ready } = setup()
    await ready
    await store.append('todo-1', [
      {
        type: 'TodoWasPosted',
        data: { text: 'a' },
        metadata: { correlationId: 'c1', traceparent: '00-a-b-01' },
      },
    ])
    const relay = startOutboxRelay({ store, transport, checkpoints, leases, batchSize: 3 })
    for (let i = 0; i < 20; i++)
      await store.append(`user-${i % 3}`, [{ type: 'UserWasRegistered', data: { i } }])
    await until(() => received.length === 21, '21 events')
    const log = await collectAll(store)
    expect(received.map((e) => e.eventId)).toEqual(log.map((e) => e.eventId))
    expect(received[0]).toMatchObject({
      type: 'TodoWasPosted',
      streamId: 'todo-1',
      streamVersion: 1,
      data: { text: 'a' },
      metadata: { correlationId: 'c1', traceparent: '00-a-b-01', schemaVersion: 1 },
    })
    await until(() => relay.status().position === log.at(-1)!.globalPosition, 'the checkpoint')
    expect(await checkpoints.load('outbox-relay')).toBe(log.at(-1)!.globalPosition)
    expect(relay.status()).toMatchObject({ state: 'active', published: 21 })
    await relay.stop()
    expect(relay.status().state).toBe('stopped')
  })

  it('resumes after its checkpoint when restarted', async () => {
    const { store, transport, checkpoints, leases, received, ready } = setup()
    await ready
    await store.append('a-1', [{ type: 'A', data: {} }])
    const first = startOutboxRelay({ store, transport, checkpoints, leases })
    await until(() => received.length === 1, 'the first event')
    await until(() => first.status().position > 0, 'the first checkpoint')
    await first.stop()
    await store.append('a-1', [{ type: 'B', data: {} }])
    const second = startOutboxRelay({ store, transport, checkpoints, leases })
    await until(() => received.length === 2, 'the second event')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(received.map((e) => e.type)).toEqual(['A', 'B'])
    await second.stop()
  })

  it('keeps exactly one instance active and fails over when it stops', async () => {
    const { store, transport, checkpoints, leases, received, ready } = setup()
    await ready
    const a = startOutboxRelay({ store, transport, checkpoints, leases, owner: 'a', leaseTtlMs: 300 })
    await until(() => a.status().state === 'active', 'a active')
    const b = startOutboxRelay({ store, transport, checkpoints, leases, owner: 'b', leaseTtlMs: 300 })
    await until(() => b.status().state === 'standby', 'b standby')
    await store.append('x-1', [{ type: 'One', data: {} }])
    await until(() => received.length === 1, 'one event')
    await a.stop()
    await until(() => b.status().state === 'active', 'b active', 3000)
    await store.append('x-1', [{ type: 'Two', data: {} }])
    await until(() => received.length === 2, 'two events')
    expect(received.map((e) => e.type)).toEqual(['One', 'Two'])
    expect(b.status().published).toBe(1)
    await b.stop()
  })

  it('retries from its checkpoint when publishing fails, skipping nothing', async () => {
    const { store, transport, checkpoints, leases, received, ready } = setup()
    await ready
    let failNext = 3
    const flaky: Transport = {
      ...transport,
      publish: async (topic, message) => {
        if (message.type === 'E' && failNext-- > 0) throw new Error('broker hiccup')
        return transport.publish(topic, message)
      },
    }
    const errors: unknown[] = []
    const relay = startOutboxRelay({
      store,
      transport: flaky,
      checkpoints,
      leases,
      onError: (e) => errors.push(e),
    })
    for (let i = 0; i < 5; i++) await store.append('s-1', [{ type: 'E', data: { i } }])
    const log = await collectAll(store)
    await until(() => new Set(received.map((e) => e.eventId)).size === 5, 'all events', 8000)
    expect(errors.length).toBeGreaterThan(0)
    const firstSeen = [...new Map(received.map((e) => [e.eventId, e])).values()]
    expect(firstSeen.map((e) => e.eventId)).toEqual(log.map((e) => e.eventId))
    // a failure never lets a later event of the stream overtake an earlier one
    received.forEach((event, i) => {
      const before = new Set(received.slice(0, i).map((e) => e.streamVersion))
      for (let v = 1; v < event.streamVersion; v++) expect(before.has(v)).toBe(true)
    })
    await relay.stop()
  })
})

async function collectAll(store: ReturnType<typeof memoryEventStore>) {
  const out: StoredEvent[] = []
  for await (const event of store.readAll()) out.push(event)
  return out
}
