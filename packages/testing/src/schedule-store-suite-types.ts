import type { ScheduleRequest, ScheduleStore, ScheduledEntry } from '@acta/core'
import { expect } from 'vitest'
import type { ConformanceTests } from './conformance-tests.js'

export interface ScheduleStoreUnderTest {
  store: ScheduleStore
  /** Opens another store instance on the same database; the suite closes it. */
  open?: () => Promise<ScheduleStore>
  /** Removes what `create` made (files, schemas). */
  dispose?: () => Promise<void>
}

export interface ScheduleStoreSuiteOptions {
  /** A fresh, empty store. Called once per test. */
  create(): Promise<ScheduleStoreUnderTest>
  /** Tests that do not apply to this adapter, by exact test name, each with its reason. */
  exceptions?: Record<string, string>
}

/** What the suite's test groups share. */
export interface ScheduleSuiteContext {
  test: ConformanceTests['test']
  store(): ScheduleStore
  /** Another instance on the same database when the adapter can open one, else the same store. */
  peer(): Promise<ScheduleStore>
}

export const minute = 60_000

export const at = (offsetMs: number): Date => new Date(Date.now() + offsetMs)

export const request = (id: string, dueAt: Date, data: unknown = { id }): ScheduleRequest => ({
  id,
  dueAt,
  payload: { type: 'expire-todo', data },
})

export const ids = (entries: readonly ScheduledEntry[]): string[] => entries.map((entry) => entry.id)

/** Schedules, claims and completes `id`, so it is done. */
export async function fire(store: ScheduleStore, id: string): Promise<void> {
  await store.schedule(request(id, at(-1000)))
  const claimed = await store.claimDue({ now: new Date(), limit: 100, owner: 'firer', ttlMs: minute })
  expect(ids(claimed)).toContain(id)
  expect(await store.complete(id, 'firer')).toBe(true)
}
