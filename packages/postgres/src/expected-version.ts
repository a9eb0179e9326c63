import type { ExpectedVersion } from '@acta/core'

/**
 * SQL condition on a stream row aliased `s` that holds exactly when core's `checkExpectedVersion`
 * passes, with the mode as `$mode` ('any' | 'no-stream' | 'stream-exists' | 'exact') and the
 * version as `$version`. A missing row is version 0, not deleted.
 */
export function expectedVersionCondition(mode: string, version: string): string {
  return `(${mode} = 'any'
    OR (${mode} = 'no-stream' AND (s.version = 0 OR s.deleted))
    OR (${mode} = 'stream-exists' AND s.version > 0 AND NOT s.deleted)
    OR s.version = ${version})`
}

/** The two parameters of {@link expectedVersionCondition} for a normalized expected version. */
export function expectedVersionParams(expected: ExpectedVersion): [mode: string, version: number | null] {
  return typeof expected === 'number' ? ['exact', expected] : [expected, null]
}

/** True when the expectation can be met by a stream that does not exist yet. */
export function allowsNewStream(expected: ExpectedVersion): boolean {
  return expected === 'any' || expected === 'no-stream'
}
