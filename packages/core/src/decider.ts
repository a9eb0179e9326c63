import type { Command, Event } from './messages.js'

/**
 * The pure heart of a write model: `decide` turns a command and the current state into events
 * (or throws an {@link ActaError} to refuse), `evolve` folds an event into the state.
 *
 * @example
 * const counter: Decider<Increment, Incremented, number> = {
 *   initialState: () => 0,
 *   evolve: (n, e) => n + e.data.by,
 *   decide: (c, n) => (n + c.data.by > 10 ? reject('CONFLICT', 'too big') : [{ type: 'Incremented', data: c.data }]),
 * }
 */
export interface Decider<C extends Command, E extends Event, S> {
  initialState: () => S
  evolve: (state: S, event: E) => S
  decide: (command: C, state: S) => E | readonly E[]
}

/** Folds events into a state with a decider's `evolve`. */
export function evolveAll<E extends Event, S>(
  evolve: (state: S, event: E) => S,
  state: S,
  events: Iterable<E>,
): S {
  let current = state
  for (const event of events) current = evolve(current, event)
  return current
}

/** Normalizes what `decide` returned to an array. */
export function decidedEvents<E extends Event>(decided: E | readonly E[]): readonly E[] {
  return Array.isArray(decided) ? (decided as readonly E[]) : [decided as E]
}
