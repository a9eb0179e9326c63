import {
  createReadSide,
  defineProjection,
  memoryCoordination,
  memoryDocumentStore,
  memoryEventStore,
} from '@acta/core'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { readSideMetrics } from './read-side-metrics.js'

describe('read side metrics', () => {
  it('publishes position, lag and state per projection when scraped', async () => {
    const store = memoryEventStore()
    const readSide = createReadSide({
      store,
      documents: memoryDocumentStore(),
      leases: memoryCoordination().leases,
    })
    readSide.register(
      defineProjection({
        name: 'counts',
        version: 1,
        collections: { counts: {} },
        handlers: { '*': () => undefined },
      }),
    )
    await readSide.start()
    const appended = await store.append('a-1', [
      { type: 'Added', data: {} },
      { type: 'Added', data: {} },
    ])
    await readSide.waitFor('counts', appended.position)
    await expect.poll(async () => (await readSide.status())[0]?.state).toBe('running')
    const registry = new Registry()
    readSideMetrics(registry, readSide)
    const text = await registry.metrics()
    expect(text).toContain('acta_projection_state{projection="counts",kind="projection",state="running"} 1')
    expect(text).toContain('acta_projection_state{projection="counts",kind="projection",state="faulted"} 0')
    expect(text).toMatch(/acta_projection_position\{projection="counts",kind="projection"\} 2/)
    expect(text).toMatch(/acta_projection_lag_events\{projection="counts",kind="projection"\} 0/)
    await readSide.stop()
  })
})
