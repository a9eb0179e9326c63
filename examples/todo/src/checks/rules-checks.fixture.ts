import { it } from 'vitest'
import { deadlineRuleChecks } from './deadline-rules.fixture.js'
import type { RuleCheck, RuleCheckTarget } from './rule-check.fixture.js'
import { todoRuleChecks } from './todo-rules.fixture.js'
import { userRuleChecks } from './user-rules.fixture.js'

export type { RuleCheck, RuleCheckTarget } from './rule-check.fixture.js'

/**
 * Every rule of the issue as a named check. Each uses fresh ids, checks statuses, problem+json and
 * 202 event lists, and — when the target has read routes — reads with `?after=` that a refused
 * command changed nothing.
 *
 * @example
 * for (const check of ruleChecks) it(check.name, () => check.run({ baseUrl, reads: true }))
 */
export const ruleChecks: readonly RuleCheck[] = [...userRuleChecks, ...todoRuleChecks, ...deadlineRuleChecks]

/**
 * Registers every rule check as a vitest test against the target `target()` returns when the
 * test runs (so it may come from a `beforeAll`).
 *
 * @example
 * describe('rules', () => ruleCheckTests(() => ({ baseUrl: fleet.url, reads: true })))
 */
export function ruleCheckTests(target: () => RuleCheckTarget): void {
  for (const check of ruleChecks) it(check.name, () => check.run(target()), 60_000)
}
