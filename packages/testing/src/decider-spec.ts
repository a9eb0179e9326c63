import type { ActaError } from '@acta/core'
import {
  decidedEvents,
  evolveAll,
  isActaError,
  type Command,
  type Decider,
  type ErrorCode,
  type Event,
} from '@acta/core'
import { expect } from 'vitest'

/** Compares the parts of an event a decider owns: its type and data. */
const shape = (events: readonly Event[]) => events.map(({ type, data }) => ({ type, data }))

export interface DeciderThen<E extends Event, S> {
  /** The command decided exactly these events (type and data). */
  then(expected: E | readonly E[]): void
  /** The command was refused with an ActaError of `code`, optionally checking its message. */
  thenThrows(code: ErrorCode, message?: string | RegExp): ActaError
  /** The command decided no events. */
  thenNothingHappens(): void
  /** The state after folding the given and the decided events satisfies `check`. */
  thenState(check: (state: S) => void): void
}

/**
 * Given/when/then for deciders: no store, no I/O, just the functions.
 *
 * @example
 * const spec = deciderSpec(todoDecider)
 * spec.given([posted]).when(markAsDone).then([{ type: 'TodoWasMarkedAsDone', data: { todoId } }])
 * spec.given([posted, done]).when(markAsDone).thenThrows('CONFLICT')
 */
export function deciderSpec<C extends Command, E extends Event, S>(decider: Decider<C, E, S>) {
  return {
    given(events: readonly E[] = []) {
      const state = evolveAll(decider.evolve, decider.initialState(), events)
      return {
        when(command: C): DeciderThen<E, S> {
          const run = (): readonly E[] => decidedEvents(decider.decide(command, state))
          return {
            then(expected) {
              expect(shape(run())).toEqual(shape(decidedEvents(expected)))
            },
            thenThrows(code, message) {
              let thrown: unknown
              try {
                const decided = run()
                thrown = new Error(
                  `expected ${code}, but the command decided ${JSON.stringify(shape(decided))}`,
                )
              } catch (error) {
                thrown = error
              }
              expect(isActaError(thrown, code), `expected an ActaError ${code}, got ${String(thrown)}`).toBe(
                true,
              )
              if (message !== undefined) expect((thrown as Error).message).toMatch(message)
              return thrown as ActaError
            },
            thenNothingHappens() {
              expect(shape(run())).toEqual([])
            },
            thenState(check) {
              check(evolveAll(decider.evolve, state, run()))
            },
          }
        },
      }
    },
  }
}
