import { expect, it } from 'vitest'

export interface ConformanceTests {
  /** Registers a suite test, or skips it — with its reason in the name — when the adapter lists it as an exception. */
  test: (name: string, body: () => Promise<void>, timeoutMs?: number) => void
  /** Registers the check that every listed exception names a real test, so none goes stale. */
  checkExceptions: () => void
}

/**
 * The one place where a conformance suite turns an adapter's listed exceptions into skips.
 * An adapter lists a test by its exact name with a reason; the skipped test's name carries both,
 * so a reader of the report sees what was not run and why.
 */
export function conformanceTests(
  adapter: string,
  exceptions: Record<string, string> = {},
  defaultTimeoutMs?: number,
): ConformanceTests {
  const listed = new Map(Object.entries(exceptions))
  const registered = new Set<string>()
  return {
    test(name, body, timeoutMs = defaultTimeoutMs) {
      registered.add(name)
      const reason = listed.get(name)
      if (reason === undefined) it(name, body, timeoutMs)
      else it.skip(`${name} [exception for ${adapter}: ${reason}]`, body)
    },
    checkExceptions() {
      it('lists only exceptions that name real tests', () => {
        expect([...listed.keys()].filter((name) => !registered.has(name))).toEqual([])
      })
    },
  }
}
