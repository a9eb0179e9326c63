import type { ExpectedVersion } from '@acta/core'

/** SQL expressions for a stream's state: its version (0 when it has no events) and whether it is soft-deleted. */
export interface StreamStateSql {
  readonly version: string
  readonly deleted: string
}

/**
 * SQL condition that holds exactly when core's `checkExpectedVersion` passes for a stream in the
 * given state; `versionParam` is the parameter that carries an exact version. Undefined for
 * `'any'`: no condition.
 */
export function expectedVersionCondition(
  expected: ExpectedVersion,
  versionParam: string,
  state: StreamStateSql,
): string | undefined {
  switch (expected) {
    case 'any':
      return undefined
    case 'no-stream':
      return `(${state.version} = 0 OR ${state.deleted})`
    case 'stream-exists':
      return `(${state.version} > 0 AND NOT ${state.deleted})`
    default:
      return `${state.version} = ${versionParam}::bigint`
  }
}

/** The statement name suffix for an expectation: one prepared statement per kind. */
export function expectedVersionKind(
  expected: ExpectedVersion,
): 'any' | 'no_stream' | 'stream_exists' | 'exact' {
  return typeof expected === 'number'
    ? 'exact'
    : expected === 'no-stream'
      ? 'no_stream'
      : expected === 'any'
        ? 'any'
        : 'stream_exists'
}
