import { describe, expect, it } from 'vitest'
import { commandBus } from './command-bus.js'
import { commandHandler } from './command-pipeline.js'
import { memoryCoordination } from './coordination.js'
import type { Decider } from './decider.js'
import { ActaError } from './errors.js'
import { memoryEventStore } from './memory-event-store.js'
import { memoryTransport } from './memory-transport.js'
import type { Command, Event } from './messages.js'

type Put = Command<'PutValue', { key: string; value: string }>
type ValuePut = Event<'ValuePut', { key: string; value: string }>
const values: Decider<Put, ValuePut, { value?: string }> = {
  initialState: () => ({}),
  evolve: (_s, e) => ({ value: e.data.value }),
  decide: (c) => {
    if (c.data.value === '') throw new ActaError('VALIDATION', 'empty value')
    return [{ type: 'ValuePut', data: c.data }]
  },
}
const until = async (check: () => boolean | Promise<boolean>, what: string) => {
  const deadline = Date.now() + 5000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('command bus', () => {
  it('executes inline through the registered pipeline', async () => {
    const store = memoryEventStore()
    const bus = commandBus()
    bus.register(
      'PutValue',
      commandHandler({ decider: values, store, streamId: (c: Put) => `value-${c.data.key}` }),
    )
    expect(await bus.execute({ type: 'PutValue', data: { key: 'k', value: 'v' } })).toMatchObject({
      ok: true,
      version: 1,
    })
    await expect(bus.execute({ type: 'Nope', data: {} })).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('enqueues asynchronously and a served consumer runs the pipeline', async () => {
    const store = memoryEventStore()
    const transport = memoryTransport()
    const sender = commandBus({ transport, routes: { PutValue: 'values' } })
    const worker = commandBus({ transport })
    worker.register(
      'PutValue',
      commandHandler({ decider: values, store, streamId: (c: Put) => `value-${c.data.key}` }),
    )
    await worker.serve('values')
    const { messageId, queue } = await sender.send({
      type: 'PutValue',
      data: { key: 'k', value: 'v' },
      metadata: { correlationId: 'flow-7' },
    })
    expect(queue).toBe('values')
    await until(async () => (await store.readStream('value-k')).version === 1, 'the event')
    const [event] = (await store.readStream('value-k')).events
    expect(event!.metadata).toMatchObject({ causationId: messageId, correlationId: 'flow-7' })
  })

  it('appends nothing twice when the same command is delivered again', async () => {
    const store = memoryEventStore()
    const transport = memoryTransport()
    const bus = commandBus({ transport })
    bus.register(
      'PutValue',
      commandHandler({ decider: values, store, streamId: (c: Put) => `value-${c.data.key}` }),
    )
    await bus.serve('commands.PutValue')
    const command: Put = { type: 'PutValue', data: { key: 'k', value: 'v' }, metadata: { messageId: 'm-1' } }
    await bus.send(command)
    await bus.send(command)
    await bus.send({ ...command, metadata: { messageId: 'm-2' } })
    await until(async () => (await store.readStream('value-k')).version === 2, 'two distinct commands')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect((await store.readStream('value-k')).version).toBe(2)
  })

  it('acknowledges refusals without retrying, and dedupes by inbox', async () => {
    const store = memoryEventStore()
    const transport = memoryTransport()
    const { inbox } = memoryCoordination()
    const refused: unknown[] = []
    let calls = 0
    const bus = commandBus({ transport, onRefused: (_c, r) => refused.push(r) })
    const pipeline = commandHandler({ decider: values, store, streamId: (c: Put) => `value-${c.data.key}` })
    bus.register('PutValue', (c) => {
      calls++
      return pipeline(c as Put)
    })
    await bus.serve('commands.PutValue', { inbox: { store: inbox, consumer: 'values' }, retryDelayMs: 1 })
    await bus.send({ type: 'PutValue', data: { key: 'k', value: '' } })
    await until(() => refused.length === 1, 'the refusal')
    await bus.send({ type: 'PutValue', data: { key: 'k', value: 'v' }, metadata: { messageId: 'once' } })
    await bus.send({ type: 'PutValue', data: { key: 'k', value: 'v' }, metadata: { messageId: 'once' } })
    await until(async () => await inbox.has('values', 'once'), 'the inbox entry')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(calls).toBe(2)
    expect(await transport.listDeadLetters()).toEqual([])
  })

  it('parks a command nobody handles after the transport retries', async () => {
    const transport = memoryTransport()
    const bus = commandBus({ transport })
    await bus.serve('commands.Unknown', { maxAttempts: 2, retryDelayMs: 1 })
    await bus.send({ type: 'Unknown', data: {} })
    await until(
      async () => (await transport.listDeadLetters('commands.Unknown')).length === 1,
      'the dead letter',
    )
    expect((await transport.listDeadLetters())[0]!.error).toMatch(/No handler for command Unknown/)
  })
})
