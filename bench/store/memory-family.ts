import { memoryEventStore } from '@acta/core'
import { actaTarget } from './acta-target.js'
import { compare } from './comparisons.js'
import type { FamilyResult } from './family.js'
import { memoryPlainTarget } from './memory-plain-target.js'
import { Tracked, runScenarios } from './scenarios.js'
import type { ScenarioContext } from './scenarios.js'

export async function runMemory(context: Omit<ScenarioContext, 'family'>): Promise<FamilyResult> {
  const family = 'memory'
  const targets = [
    new Tracked(actaTarget('acta memory', memoryEventStore())),
    new Tracked(memoryPlainTarget()),
  ]
  try {
    const figures = await runScenarios(targets, { ...context, family })
    return {
      family,
      environment: {},
      figures,
      comparisons: compare(figures, 'acta memory', 'plain Map+array', 'vs raw'),
    }
  } finally {
    for (const t of targets) await t.target.close()
  }
}
