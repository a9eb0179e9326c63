import type { EventStore } from '@acta/core'

export interface StoreUnderTest {
  store: EventStore
  /** Environment for the adapter's `childFixture`, so that a child process opens this same store. */
  childEnv?: Record<string, string>
  /** Removes what `create` made (files, schemas). */
  dispose?: () => Promise<void>
}

export interface CreateStoreOptions {
  /**
   * Fault injection for the torture test: awaited inside every append's transaction just before
   * it commits, so transactions stay open for random times. Adapters that cannot hold a
   * transaction open across an await may ignore it (and say so in their README).
   */
  beforeCommit?: () => Promise<void>
}

export interface EventStoreSuiteOptions {
  /** A fresh, empty store. Called once per test. */
  create(options?: CreateStoreOptions): Promise<StoreUnderTest>
  /**
   * Absolute path of a module exporting `openStore(env: Record<string, string | undefined>): Promise<EventStore>`,
   * run in a child process (through tsx) by the crash test with `childEnv` in its environment.
   */
  childFixture?: string
  /** Tests that do not apply to this adapter, by exact test name, each with its reason. */
  exceptions?: Record<string, string>
  /** Scale of the torture test; the defaults are the floor the project promises. */
  torture?: { writers?: number; streams?: number; events?: number; maxCommitDelayMs?: number }
}
