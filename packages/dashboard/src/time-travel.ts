import type { StoredEvent } from '@acta/core'
import { eventJson, type EventJson } from './event-json.js'

/** One change between two states, at a JSON pointer (`/status`, `/items/2/name`). */
export interface StateChange {
  path: string
  kind: 'added' | 'removed' | 'changed'
  before?: unknown
  after?: unknown
}

export interface StateStep {
  event: EventJson
  /** The state after applying this event. */
  state: unknown
  changes: StateChange[]
}

/**
 * What time travel needs of a decider: any `Decider` fits (its state and event types are its own;
 * the dashboard only hands `evolve` the stream's own events).
 */
export interface ReplayableDecider {
  initialState(): unknown
  evolve(state: never, event: never): unknown
}

/** Deciders whose states the dashboard can replay, by stream category (`todo` for `todo-…`). */
export type DeciderRegistry = Readonly<Record<string, ReplayableDecider>>

/**
 * Replays a stream's events through its decider's `evolve`: the state after each event and what
 * changed from the previous one. `evolve` is pure, so this never touches the write side.
 */
export function replayStates(
  decider: ReplayableDecider,
  events: readonly StoredEvent[],
): { initialState: unknown; steps: StateStep[] } {
  const initialState = decider.initialState()
  let state: unknown = initialState
  const steps: StateStep[] = []
  for (const event of events) {
    const next = (decider.evolve as (state: unknown, event: StoredEvent) => unknown)(state, event)
    steps.push({ event: eventJson(event), state: plain(next), changes: diff(plain(state), plain(next)) })
    state = next
  }
  return { initialState: plain(initialState), steps }
}

/** The differences between two JSON values, as JSON pointers (objects by key, arrays by index). */
export function diff(before: unknown, after: unknown, path = ''): StateChange[] {
  if (Object.is(before, after)) return []
  if (isObject(before) && isObject(after)) {
    const changes: StateChange[] = []
    const keys = new Set([...Object.keys(before), ...Object.keys(after)])
    for (const key of keys) {
      const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`
      if (!(key in after)) changes.push({ path: at, kind: 'removed', before: before[key] })
      else if (!(key in before)) changes.push({ path: at, kind: 'added', after: after[key] })
      else changes.push(...diff(before[key], after[key], at))
    }
    return changes
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return []
  return [{ path: path || '/', kind: 'changed', before, after }]
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/** The state as JSON shows it (Dates as strings, Maps as objects, Sets as arrays). */
function plain(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_key, v: unknown): unknown =>
      v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...(v as Set<unknown>)] : v,
    ) ?? 'null',
  ) as unknown
}
