import type { StoredEvent } from '@acta/core'
import { describe, expect, it } from 'vitest'
import { diff, replayStates } from './time-travel.js'

const stored = (version: number, type: string, data: unknown) =>
  ({
    type,
    data,
    metadata: { schemaVersion: 1 },
    eventId: `e${version}`,
    streamId: 'todo-1',
    streamVersion: version,
    globalPosition: version,
    recordedAt: new Date(0),
  }) as StoredEvent

describe('time travel', () => {
  it('shows the state after each event and what changed from the one before', () => {
    const decider = {
      initialState: () => ({ status: 'NONE' as string, deadline: null as string | null }),
      evolve: (state: { status: string; deadline: string | null }, event: { type: string; data: unknown }) =>
        event.type === 'TodoWasPosted'
          ? { ...state, status: 'OPEN' }
          : event.type === 'DeadlineWasAddedToTodo'
            ? { ...state, deadline: (event.data as { deadline: string }).deadline }
            : state,
    }
    const { initialState, steps } = replayStates(decider, [
      stored(1, 'TodoWasPosted', {}),
      stored(2, 'DeadlineWasAddedToTodo', { deadline: '2030-01-01T00:00:00.000Z' }),
      stored(3, 'Unrelated', {}),
    ])
    expect(initialState).toEqual({ status: 'NONE', deadline: null })
    expect(steps.map((step) => step.state)).toEqual([
      { status: 'OPEN', deadline: null },
      { status: 'OPEN', deadline: '2030-01-01T00:00:00.000Z' },
      { status: 'OPEN', deadline: '2030-01-01T00:00:00.000Z' },
    ])
    expect(steps.map((step) => step.changes)).toEqual([
      [{ path: '/status', kind: 'changed', before: 'NONE', after: 'OPEN' }],
      [{ path: '/deadline', kind: 'changed', before: null, after: '2030-01-01T00:00:00.000Z' }],
      [],
    ])
  })

  it('names added, removed and nested changes by JSON pointer', () => {
    expect(diff({ a: 1, b: { c: [1, 2] }, 'x/y': 1 }, { b: { c: [1, 3] }, d: true, 'x/y': 2 })).toEqual([
      { path: '/a', kind: 'removed', before: 1 },
      { path: '/b/c/1', kind: 'changed', before: 2, after: 3 },
      { path: '/x~1y', kind: 'changed', before: 1, after: 2 },
      { path: '/d', kind: 'added', after: true },
    ])
  })
})
