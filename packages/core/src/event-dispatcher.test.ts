import { describe, expect, it } from 'vitest'
import { isActaError } from './errors.js'
import { eventDispatcher, type AsyncListenerError } from './event-dispatcher.js'
import type { Event, StoredEvent } from './messages.js'

type TodoPosted = Event<'TodoPosted', { todoId: string; text: string }>
type TodoDone = Event<'TodoDone', { todoId: string }>
type TodoEvent = TodoPosted | TodoDone

const posted = (todoId: string): TodoPosted => ({ type: 'TodoPosted', data: { todoId, text: 'buy milk' } })
const done = (todoId: string): TodoDone => ({ type: 'TodoDone', data: { todoId } })
const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('eventDispatcher', () => {
  it('runs sync listeners by priority, then in registration order, before dispatch resolves', async () => {
    const dispatcher = eventDispatcher<TodoEvent>()
    const seen: string[] = []
    dispatcher.on('TodoPosted', () => void seen.push('default-1'))
    dispatcher.on('TodoPosted', () => void seen.push('low'), { priority: -5 })
    dispatcher.on(
      'TodoPosted',
      async () => {
        await tick()
        seen.push('high')
      },
      { priority: 10 },
    )
    dispatcher.on('TodoPosted', () => void seen.push('default-2'))
    dispatcher.on('TodoDone', () => void seen.push('other type'))
    await dispatcher.dispatch(posted('t-1'))
    expect(seen).toEqual(['high', 'default-1', 'default-2', 'low'])
  })

  it('dispatches a batch of events in order, each through its listeners', async () => {
    const dispatcher = eventDispatcher<TodoEvent>()
    const seen: string[] = []
    dispatcher.on('TodoPosted', (e) => void seen.push(`posted ${e.data.text}`))
    dispatcher.on('TodoDone', (e) => void seen.push(`done ${e.data.todoId}`))
    await dispatcher.dispatch([posted('t-1'), done('t-1'), posted('t-2')])
    expect(seen).toEqual(['posted buy milk', 'done t-1', 'posted buy milk'])
  })

  it('gives "*" listeners every event and list listeners each type of the list', async () => {
    const dispatcher = eventDispatcher()
    const all: string[] = []
    const some: string[] = []
    dispatcher.on('*', (e) => void all.push(e.type))
    dispatcher.on(['A', 'C'], (e) => void some.push(e.type))
    await dispatcher.dispatch(['A', 'B', 'C', 'D'].map((type) => ({ type, data: {} })))
    expect(all).toEqual(['A', 'B', 'C', 'D'])
    expect(some).toEqual(['A', 'C'])
  })

  it('stops calling a listener once unsubscribed', async () => {
    const dispatcher = eventDispatcher<TodoEvent>()
    const seen: string[] = []
    const off = dispatcher.on('TodoDone', (e) => void seen.push(e.data.todoId))
    const offAsync = dispatcher.on('TodoDone', (e) => void seen.push(`async ${e.data.todoId}`), {
      mode: 'async',
    })
    await dispatcher.dispatch(done('t-1'))
    await dispatcher.drain()
    off()
    await dispatcher.dispatch(done('t-2'))
    offAsync()
    await dispatcher.drain()
    off()
    expect(seen).toEqual(['t-1', 'async t-1'])
    expect(Object.keys(dispatcher.stats())).toEqual([])
  })

  it('rejects the dispatch when a sync listener fails, and runs nothing after it', async () => {
    const dispatcher = eventDispatcher<TodoEvent>()
    const seen: string[] = []
    dispatcher.on('TodoPosted', (e) => void seen.push(`first ${e.data.todoId}`), { priority: 1 })
    dispatcher.on(
      'TodoPosted',
      (e) => {
        if (e.data.todoId === 't-2') throw new Error('read model is full')
      },
      { name: 'read-model' },
    )
    dispatcher.on('TodoPosted', (e) => void seen.push(`last ${e.data.todoId}`), { priority: -1 })
    dispatcher.on('TodoPosted', (e) => void seen.push(`async ${e.data.todoId}`), { mode: 'async' })
    await expect(dispatcher.dispatch([posted('t-1'), posted('t-2'), posted('t-3')])).rejects.toThrow(
      'read model is full',
    )
    await dispatcher.drain()
    expect(seen).toEqual(['first t-1', 'last t-1', 'first t-2', 'async t-1'])
    expect(dispatcher.stats()['read-model']).toEqual({
      handled: 1,
      failed: 1,
      lastError: 'read model is full',
    })
  })

  it('runs async listeners only after dispatch returned, in priority order per event', async () => {
    const dispatcher = eventDispatcher<TodoEvent>()
    const seen: string[] = []
    dispatcher.on('TodoPosted', (e) => void seen.push(`mail ${e.data.todoId}`), { mode: 'async' })
    dispatcher.on('TodoPosted', (e) => void seen.push(`audit ${e.data.todoId}`), {
      mode: 'async',
      priority: 5,
    })
    dispatcher.on('TodoPosted', (e) => void seen.push(`sync ${e.data.todoId}`))
    await dispatcher.dispatch([posted('t-1'), posted('t-2')])
    // the caller's own continuation (e.g. sending the response) comes first
    seen.push('response sent')
    await Promise.resolve()
    expect(seen).toEqual(['sync t-1', 'sync t-2', 'response sent'])
    await dispatcher.drain()
    expect(seen).toEqual([
      'sync t-1',
      'sync t-2',
      'response sent',
      'audit t-1',
      'mail t-1',
      'audit t-2',
      'mail t-2',
    ])
  })

  it('reports a failing async listener with its name and the event, counts it, and carries on', async () => {
    const reports: { error: unknown; context: AsyncListenerError<TodoEvent> }[] = []
    const dispatcher = eventDispatcher<TodoEvent>({
      onError: (error, context) => void reports.push({ error, context }),
    })
    const delivered: string[] = []
    dispatcher.on(
      'TodoPosted',
      async (e) => {
        if (e.data.todoId === 't-1') throw new Error('smtp refused')
        delivered.push(e.data.todoId)
      },
      { mode: 'async', name: 'mailer' },
    )
    dispatcher.on('TodoPosted', (e) => void delivered.push(`after ${e.data.todoId}`), {
      mode: 'async',
      priority: -1,
    })
    await dispatcher.dispatch([posted('t-1'), posted('t-2')])
    await dispatcher.drain()
    expect(reports).toHaveLength(1)
    expect(reports[0]!.context).toEqual({ listener: 'mailer', event: posted('t-1') })
    expect((reports[0]!.error as Error).message).toBe('smtp refused')
    expect(delivered).toEqual(['after t-1', 't-2', 'after t-2'])
    expect(dispatcher.stats().mailer).toEqual({ handled: 1, failed: 1, lastError: 'smtp refused' })
  })

  it('reports async failures to console.error when no onError is given', async () => {
    const dispatcher = eventDispatcher()
    dispatcher.on('A', () => Promise.reject(new Error('lost')), { mode: 'async', name: 'flaky' })
    const logged: unknown[][] = []
    const original = console.error
    console.error = (...args: unknown[]) => void logged.push(args)
    try {
      await dispatcher.dispatch({ type: 'A', data: 1 })
      await dispatcher.drain()
    } finally {
      console.error = original
    }
    expect(logged).toHaveLength(1)
    expect(logged[0]!.join(' ')).toContain('flaky')
    expect(logged[0]).toContainEqual(new Error('lost'))
    expect(logged[0]).toContainEqual({ type: 'A', data: 1 })
  })

  it('drains async work queued by async listeners too', async () => {
    const dispatcher = eventDispatcher()
    const seen: string[] = []
    dispatcher.on(
      'A',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 20))
        await dispatcher.dispatch({ type: 'B', data: null })
      },
      { mode: 'async' },
    )
    dispatcher.on('B', () => void seen.push('B handled'), { mode: 'async' })
    await dispatcher.dispatch({ type: 'A', data: null })
    expect(seen).toEqual([])
    await dispatcher.drain()
    expect(seen).toEqual(['B handled'])
    await dispatcher.drain()
  })

  it('counts handled events per listener, naming them by option, function name or position', async () => {
    const dispatcher = eventDispatcher<StoredEvent<TodoEvent>>()
    function projectTodos() {}
    dispatcher.on('TodoPosted', projectTodos)
    dispatcher.on('*', () => undefined)
    dispatcher.on('TodoDone', projectTodos)
    dispatcher.on('TodoDone', () => undefined, { name: 'named', mode: 'async' })
    const stored = (type: 'TodoPosted' | 'TodoDone', data: never, position: number) =>
      ({
        type,
        data,
        metadata: { schemaVersion: 1 },
        eventId: `e-${position}`,
        streamId: 'todo-t-1',
        streamVersion: position,
        globalPosition: position,
        recordedAt: new Date(),
      }) as StoredEvent<TodoEvent>
    await dispatcher.dispatch([
      stored('TodoPosted', { todoId: 't-1', text: 'x' } as never, 1),
      stored('TodoDone', { todoId: 't-1' } as never, 2),
    ])
    await dispatcher.drain()
    expect(dispatcher.stats()).toEqual({
      projectTodos: { handled: 1, failed: 0, lastError: undefined },
      'listener-2': { handled: 2, failed: 0, lastError: undefined },
      'projectTodos#2': { handled: 1, failed: 0, lastError: undefined },
      named: { handled: 1, failed: 0, lastError: undefined },
    })
  })

  it('refuses invalid registrations', () => {
    const dispatcher = eventDispatcher()
    const listener = () => undefined
    const attempts = [
      () => dispatcher.on('', listener),
      () => dispatcher.on([], listener),
      () => dispatcher.on('A', 'nope' as never),
      () => dispatcher.on('A', listener, { priority: Number.NaN }),
      () => dispatcher.on('A', listener, { mode: 'later' as never }),
    ]
    for (const attempt of attempts) {
      let error: unknown
      try {
        attempt()
      } catch (e) {
        error = e
      }
      expect(isActaError(error, 'VALIDATION')).toBe(true)
    }
  })
})
