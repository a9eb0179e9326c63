import { describe, expect, it } from 'vitest'
import { commandHandler, type Stage } from './command-pipeline.js'
import type { Decider } from './decider.js'
import { ActaError, isActaError } from './errors.js'
import type { EventStore } from './event-store.js'
import { memoryEventStore } from './memory-event-store.js'
import type { Command, Event } from './messages.js'

type Add = Command<'Add', { id: string; n: number }>
type Added = Event<'Added', { n: number }>
type State = { total: number; count: number }

const counter: Decider<Add, Added, State> = {
  initialState: () => ({ total: 0, count: 0 }),
  evolve: (s, e) => ({ total: s.total + e.data.n, count: s.count + 1 }),
  decide: (c, s) => {
    if (c.data.n === 0) return []
    if (s.total + c.data.n > 1000) throw new ActaError('CONFLICT', 'total would exceed 1000')
    return [{ type: 'Added', data: { n: c.data.n } }]
  },
}
const add = (n: number, metadata?: Add['metadata']): Add => ({ type: 'Add', data: { id: 'c1', n }, metadata })

function handler(
  store: EventStore,
  extra: Partial<Parameters<typeof commandHandler<Add, Added, State>>[0]> = {},
) {
  return commandHandler<Add, Added, State>({
    decider: counter,
    store,
    streamId: (c) => `counter-${c.data.id}`,
    ...extra,
  })
}

describe('command pipeline', () => {
  it('loads, decides, enriches and appends with the loaded version', async () => {
    const store = memoryEventStore()
    const handle = handler(store)
    const first = await handle(
      add(5, { messageId: 'cmd-1', correlationId: 'flow-1', traceparent: '00-aa-bb-01' }),
    )
    expect(first).toMatchObject({ ok: true, version: 1, state: { total: 5, count: 1 } })
    const second = await handle(add(7))
    expect(second).toMatchObject({ ok: true, version: 2, state: { total: 12, count: 2 } })
    if (!first.ok || !second.ok) throw new Error('unreachable')
    expect(second.position).toBe(second.events[0]!.globalPosition)
    expect(first.events[0]!.metadata).toMatchObject({
      correlationId: 'flow-1',
      causationId: 'cmd-1',
      traceparent: '00-aa-bb-01',
      schemaVersion: 1,
    })
    const meta = second.events[0]!.metadata
    expect(meta.causationId).toEqual(expect.any(String))
    expect(meta.correlationId).toBe(meta.causationId)
  })

  it('records what caused the events: the command type, what caused the command, and its sender', async () => {
    const store = memoryEventStore()
    const handle = handler(store)
    const sent = await handle(
      add(3, {
        messageId: 'cmd-2',
        correlationId: 'flow-2',
        causationId: 'event-9',
        sender: 'process-manager:x',
      }),
    )
    const direct = await handle(add(4, { messageId: 'cmd-3' }))
    if (!sent.ok || !direct.ok) throw new Error('unreachable')
    expect(sent.events[0]!.metadata).toMatchObject({
      causationId: 'cmd-2',
      commandType: 'Add',
      commandCausationId: 'event-9',
      commandSender: 'process-manager:x',
    })
    expect(direct.events[0]!.metadata.commandType).toBe('Add')
    expect(direct.events[0]!.metadata).not.toHaveProperty('commandCausationId')
    expect(direct.events[0]!.metadata).not.toHaveProperty('commandSender')
  })

  it('returns refusals as a failure result and appends nothing', async () => {
    const store = memoryEventStore()
    const handle = handler(store)
    await handle(add(999))
    const refused = await handle(add(2))
    expect(refused.ok).toBe(false)
    if (refused.ok) return
    expect(refused.error.code).toBe('CONFLICT')
    expect((await store.readStream('counter-c1')).version).toBe(1)
  })

  it('succeeds without appending when the decider decides nothing', async () => {
    const store = memoryEventStore()
    const result = await handler(store)(add(0))
    expect(result).toMatchObject({ ok: true, events: [], version: 0, position: undefined })
    expect(await store.headPosition()).toBe(0)
  })

  it('reports a conflict when another writer got in between, and retries when asked', async () => {
    const store = memoryEventStore()
    const racing = (): EventStore => {
      let raced = 0
      return {
        ...store,
        readStream: async (id, o) => {
          const read = await store.readStream(id, o)
          if (raced++ < 2) await store.append(id, [{ type: 'Added', data: { n: 1 } }])
          return read
        },
      }
    }
    const noRetry = await handler(racing())(add(5))
    expect(noRetry.ok || noRetry.error.code).toBe('CONCURRENCY')
    const withRetry = await handler(racing(), { retryOnConflict: 3 })(add(5))
    expect(withRetry).toMatchObject({ ok: true, state: { total: 1 + 1 + 1 + 5, count: 4 } })
  })

  it('honours a caller expected version and never retries it', async () => {
    const store = memoryEventStore()
    const handle = handler(store, { retryOnConflict: 5 })
    await handle(add(1))
    await handle(add(1))
    const stale = await handle(add(1), { expectedVersion: 1 })
    expect(stale.ok).toBe(false)
    if (!stale.ok) expect(stale.error).toMatchObject({ code: 'CONCURRENCY', actualVersion: 2 })
    expect(await handle(add(1), { expectedVersion: 2 })).toMatchObject({ ok: true, version: 3 })
  })

  it('runs inserted stages in order, and a stage can refuse', async () => {
    const store = memoryEventStore()
    const trace: string[] = []
    const log =
      (name: string): Stage<Add, Added, State> =>
      async (_ctx, next) => {
        trace.push(`${name}>`)
        await next()
        trace.push(`<${name}`)
      }
    const authorize: Stage<Add, Added, State> = async (ctx, next) => {
      if (ctx.command.metadata?.userId !== 'admin' && ctx.state.total > 0) {
        throw new ActaError('FORBIDDEN', 'only admins add to a non-empty counter')
      }
      await next()
    }
    const handle = handler(store, {
      stages: (d) => [log('outer'), d.load, authorize, d.decide, d.enrich, log('before-append'), d.append],
      metadata: () => ({ tenant: 't1' }),
    })
    const ok = await handle(add(3))
    expect(trace).toEqual(['outer>', 'before-append>', '<before-append', '<outer'])
    expect(ok.ok && ok.events[0]!.metadata.tenant).toBe('t1')
    const refused = await handle(add(3))
    expect(!refused.ok && refused.error.code).toBe('FORBIDDEN')
    expect((await handle(add(3, { userId: 'admin' }))).ok).toBe(true)
  })

  it('throws errors that are not refusals', async () => {
    const store = memoryEventStore()
    const broken = commandHandler<Add, Added, State>({
      decider: {
        ...counter,
        decide: () => {
          throw new TypeError('bug')
        },
      },
      store,
      streamId: () => 's',
    })
    await expect(broken(add(1))).rejects.toThrow(TypeError)
  })

  it('snapshots every N versions and loads state from the snapshot plus newer events', async () => {
    const store = memoryEventStore()
    const handle = handler(store, { snapshot: { every: 3 } })
    for (let i = 1; i <= 7; i++) await handle(add(i))
    expect(await store.loadSnapshot('counter-c1')).toMatchObject({
      version: 6,
      state: { total: 21, count: 6 },
    })
    // prove the loader starts at the snapshot: poison the early events' effect by a fake snapshot
    await store.saveSnapshot('counter-c1', { version: 7, state: { total: 500, count: 7 } })
    expect(await handle(add(1))).toMatchObject({ ok: true, version: 8, state: { total: 501, count: 8 } })
    // a snapshot of another schema version is ignored
    const v2 = handler(store, { snapshot: { every: 3, schemaVersion: 2 } })
    expect(await v2(add(1))).toMatchObject({ ok: true, version: 9, state: { total: 30, count: 9 } })
  })

  it('treats a soft-deleted stream as new', async () => {
    const store = memoryEventStore()
    const handle = handler(store)
    await handle(add(400))
    await store.deleteStream('counter-c1')
    const result = await handle(add(700))
    expect(result).toMatchObject({ ok: true, version: 2, state: { total: 700, count: 1 } })
  })

  it('keeps errors recognisable across copies by code', () => {
    const foreign = Object.assign(new Error('x'), { code: 'CONFLICT' })
    expect(isActaError(foreign)).toBe(false)
    expect(isActaError(new ActaError('CONFLICT', 'x'), 'CONFLICT')).toBe(true)
  })
})
