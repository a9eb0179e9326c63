import { ValidationError, type Command, type Decider, type Event } from '@acta/core'

/** Stores `value` under `key`, replacing what was there. */
export type PutValue = Command<'PutValue', { key: string; value: string }>
/** Removes `key`; decides nothing when there is no such key. */
export type DeleteValue = Command<'DeleteValue', { key: string }>
export type ValueCommand = PutValue | DeleteValue

export type ValueHasBeenPut = Event<'ValueHasBeenPut', { key: string; value: string }>
export type ValueHasBeenDeleted = Event<'ValueHasBeenDeleted', { key: string }>
export type ValueEvent = ValueHasBeenPut | ValueHasBeenDeleted

/** Longest key, in UTF-16 code units: `value-` plus the key stays far below core's 512-character stream ids. */
export const maxKeyLength = 256

/**
 * The stream of a key. Stream ids take any string without NUL up to 512 characters, and
 * {@link keyProblem} keeps keys within that, so the key goes in as it is (slashes, unicode and all).
 */
export function streamOf(key: string): string {
  return `value-${key}`
}

/** Why `key` cannot be a key, or undefined when it can. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'The key is empty: use /values/{key}'
  if (key.length > maxKeyLength) return `The key is longer than ${maxKeyLength} characters`
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i)
    if (code < 0x20 || code === 0x7f) return 'The key holds a control character'
  }
  return undefined
}

/** Why `value` cannot be stored, or undefined when it can. */
export function valueProblem(value: string): string | undefined {
  if (value.length === 0) return 'The value is empty: send it as the request body'
  // JSON in PostgreSQL cannot hold U+0000, so no adapter stores it
  if (value.includes('\u0000')) return 'The value holds a NUL character'
  return undefined
}

/**
 * One key's decider: the state is its current value. A put always records (last writer wins);
 * a delete records only when the key holds a value, so deleting a missing key changes nothing.
 */
export const keyValue: Decider<ValueCommand, ValueEvent, string | undefined> = {
  initialState: () => undefined,
  evolve: (_value, event) => (event.type === 'ValueHasBeenPut' ? event.data.value : undefined),
  decide(command, value) {
    const problem = keyProblem(command.data.key)
    if (problem !== undefined) throw new ValidationError(problem, { key: command.data.key })
    if (command.type === 'PutValue') {
      const invalid = valueProblem(command.data.value)
      if (invalid !== undefined) throw new ValidationError(invalid, { key: command.data.key })
      return { type: 'ValueHasBeenPut', data: { key: command.data.key, value: command.data.value } }
    }
    if (value === undefined) return []
    return { type: 'ValueHasBeenDeleted', data: { key: command.data.key } }
  },
}
