import type { ExpectedVersion } from '@acta/core'

/**
 * SQL condition on a stream row aliased `s` that holds exactly when core's `checkExpectedVersion`
 * passes (a missing row counts as version 0, not deleted); `versionParam` is the parameter that
 * carries an exact version. Undefined for `'any'`: no condition.
 */
export function expectedVersionCondition(
  expected: ExpectedVersion,
  versionParam: string,
): string | undefined {
  switch (expected) {
    case 'any':
      return undefined
    case 'no-stream':
      return '(s.version = 0 OR s.deleted)'
    case 'stream-exists':
      return '(s.version > 0 AND NOT s.deleted)'
    default:
      return `s.version = ${versionParam}::bigint`
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

/** True when the expectation can be met by a stream that does not exist yet. */
export function allowsNewStream(expected: ExpectedVersion): boolean {
  return expected === 'any' || expected === 'no-stream'
}
