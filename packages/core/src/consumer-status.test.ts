import { describe, expect, it } from 'vitest'
import { consumerKind, consumerStatus } from './consumer-status.js'
import { memoryCoordination } from './coordination.js'
import { memoryEventStore } from './memory-event-store.js'

describe('consumer status', () => {
  it('reports each checkpoint with its lag, idle time and lease holder', async () => {
    // Given a log of 5 events, a relay checkpoint at 3 held by an instance and a log reader at 5
    const store = memoryEventStore()
    for (let i = 0; i < 5; i++) await store.append(`todo-${i}`, [{ type: 'TodoWasPosted', data: { i } }])
    const { checkpoints, leases } = memoryCoordination()
    expect(await leases.acquire('outbox-relay', 'replica-a', 60_000)).toBe(true)
    await checkpoints.save('outbox-relay', 3)
    await checkpoints.save('log', 5)
    const savedAt = Date.now()

    // When its status is read 1.5 s later
    const status = await consumerStatus({ store, checkpoints, leases, now: () => savedAt + 1500 })

    // Then both are listed by name, the relay with its holder and the reader without one
    expect(
      status.map(({ name, kind, position, headPosition, lagEvents }) => ({
        name,
        kind,
        position,
        headPosition,
        lagEvents,
      })),
    ).toEqual([
      { name: 'log', kind: 'log-subscription', position: 5, headPosition: 5, lagEvents: 0 },
      { name: 'outbox-relay', kind: 'outbox-relay', position: 3, headPosition: 5, lagEvents: 2 },
    ])
    expect(status[0]?.holder).toBeUndefined()
    expect(status[1]?.holder).toMatchObject({ owner: 'replica-a', alive: true })
    for (const consumer of status) expect(consumer.idleMs).toBeGreaterThanOrEqual(1500)
  })

  it('says a holder is not alive once its lease expired at the time of the answer', async () => {
    // Given a relay whose lease expires in a minute
    const store = memoryEventStore()
    const { checkpoints, leases } = memoryCoordination()
    await leases.acquire('billing-relay', 'replica-b', 60_000)
    await checkpoints.save('billing-relay', 0)

    // When the status is measured two minutes on
    const [relay] = await consumerStatus({ store, checkpoints, leases, now: () => Date.now() + 120_000 })

    // Then the holder is named but not alive
    expect(relay?.holder).toMatchObject({ owner: 'replica-b', alive: false })
  })

  it('tells the kind from the name only where the name tells it', () => {
    expect(consumerKind('outbox-relay')).toBe('outbox-relay')
    expect(consumerKind('orders-relay')).toBe('outbox-relay')
    expect(consumerKind('log')).toBe('log-subscription')
    expect(consumerKind('log-audit')).toBe('log-subscription')
    expect(consumerKind('logger')).toBe('other')
    expect(consumerKind('audit')).toBe('other')
  })
})
