import type { Comparison } from './comparisons.js'
import type { Figure } from './measure.js'

/** What one adapter family (memory, sqlite at one setting, postgres) hands to the report. */
export interface FamilyResult {
  readonly family: string
  readonly environment: Record<string, unknown>
  readonly figures: readonly Figure[]
  readonly comparisons: readonly Comparison[]
}
