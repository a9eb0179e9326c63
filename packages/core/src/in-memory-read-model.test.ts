import { describe, expect, it } from 'vitest'
import { memoryCoordination } from './coordination.js'
import { defineEventLog, eventLogFilter, queryEventLog } from './event-log.js'
import { eventToMessage } from './event-messages.js'
import { inMemoryReadModel } from './in-memory-read-model.js'
import { memoryDocumentStore } from './memory-document-store.js'
import { memoryEventStore } from './memory-event-store.js'
import { memoryTransport } from './memory-transport.js'
import type { StoredEvent } from './messages.js'
import { startOutboxRelay } from './outbox-relay.js'
import { createReadSide } from './read-side.js'

type ValueEvent =
  { type: 'ValuePut'; data: { key: string; value: string } } | { type: 'ValueDeleted'; data: { key: string } }

const evolve = (state: Map<string, string>, event: StoredEvent<ValueEvent>) => {
  if (event.type === 'ValuePut') state.set(event.data.key, event.data.value)
  else state.delete(event.data.key)
  return state
}
const put = (key: string, value: string) => ({ type: 'ValuePut', data: { key, value } })

describe('in-memory read model', () => {
  it('loads history at start and follows the log', async () => {
    const store = memoryEventStore()
    await store.append('value-a', [put('a', '1')])
    const model = inMemoryReadModel({ store, initialState: new Map<string, string>(), evolve })
    await model.start()
    expect(model.state().get('a')).toBe('1')
    const written = await store.append('value-b', [put('b', '2')])
    expect(await model.waitFor(written.position, { streamId: 'value-b' })).toBe(true)
    expect(model.state().get('b')).toBe('2')
    await model.stop()
  })

  it('follows events relayed over the transport, once each, filling a gap from the store', async () => {
    const store = memoryEventStore()
    const transport = memoryTransport()
    const coordination = memoryCoordination()
    await store.append('value-a', [put('a', '1')])
    const seen: string[] = []
    const model = inMemoryReadModel({
      store,
      initialState: new Map<string, string>(),
      evolve,
      transport: { transport, topics: ['value.*'] },
      onEvent: (event) => seen.push(`${event.streamId}@${event.streamVersion}`),
    })
    await model.start()
    const relay = startOutboxRelay({ store, transport, ...coordination })
    const written = await store.append('value-b', [put('b', '2')])
    expect(await model.waitFor(written.position, { streamId: 'value-b' })).toBe(true)
    await relay.stop()

    // a later event of value-a arrives without the one before it: the model reads the gap
    await store.append('value-a', [put('a', '3')])
    const third = await store.append('value-a', [put('a', '4')])
    await transport.publish('value.ValuePut', eventToMessage(third.events[0]!))
    expect(await model.waitFor(third.position, { streamId: 'value-a' })).toBe(true)
    expect(model.state().get('a')).toBe('4')
    // the relayed copy of an event already applied changes nothing
    await transport.publish('value.ValuePut', eventToMessage(third.events[0]!))
    const fourth = await store.append('value-c', [put('c', '5')])
    await transport.publish('value.ValuePut', eventToMessage(fourth.events[0]!))
    expect(await model.waitFor(fourth.position, { streamId: 'value-c' })).toBe(true)
    expect(seen).toEqual(['value-a@1', 'value-b@1', 'value-a@2', 'value-a@3', 'value-c@1'])
    expect(await model.waitFor(third.position + 10, { timeoutMs: 50 })).toBe(false)
    await model.stop()
  })
})

describe('event log', () => {
  it('applies allow then deny lists, with prefix patterns', () => {
    const records = eventLogFilter({
      allow: ['Todo*', 'UserWasRegistered'],
      deny: ['TodoAssigneeWasReminded'],
    })
    expect(
      ['TodoWasPosted', 'UserWasRegistered', 'TodoAssigneeWasReminded', 'Other'].filter(records),
    ).toEqual(['TodoWasPosted', 'UserWasRegistered'])
  })

  it('records allowed events into its own store and answers queries by type, stream and correlation', async () => {
    const store = memoryEventStore()
    const audit = createReadSide({
      store,
      documents: memoryDocumentStore(),
      leases: memoryCoordination().leases,
    })
    audit.register(defineEventLog({ deny: ['Noise'] }))
    await audit.start()
    await store.append('todo-1', [
      { type: 'TodoWasPosted', data: { text: 'a' }, metadata: { correlationId: 'c-1' } },
      { type: 'Noise', data: {} },
    ])
    const last = await store.append('todo-2', [{ type: 'TodoWasPosted', data: { text: 'b' } }])
    expect(await audit.waitFor('event_log', last.position)).toBe(true)
    expect((await queryEventLog(audit)).map((entry) => entry.streamId)).toEqual(['todo-1', 'todo-2'])
    expect(await queryEventLog(audit, { type: 'Noise' })).toEqual([])
    expect(await queryEventLog(audit, { correlationId: 'c-1' })).toMatchObject([
      { type: 'TodoWasPosted', data: { text: 'a' }, category: 'todo', globalPosition: 1 },
    ])
    expect((await queryEventLog(audit, { newestFirst: true, limit: 1 }))[0]?.streamId).toBe('todo-2')
    expect((await audit.status())[0]?.kind).toBe('event-log')
    await audit.stop()
  })
})
