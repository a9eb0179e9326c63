import type { DocumentStore } from '@acta/core'
import { afterEach, beforeEach, describe } from 'vitest'
import { conformanceTests } from './conformance-tests.js'
import { checkpointTests } from './document-store-checkpoint-tests.js'
import { documentTests } from './document-store-document-tests.js'
import { queryTests } from './document-store-query-tests.js'
import { sharedDatabaseTests } from './document-store-shared-tests.js'
import { transactionTests } from './document-store-transaction-tests.js'
import { validationTests } from './document-store-validation-tests.js'

export interface DocumentStoreSuiteOptions {
  /** A fresh, empty store for each test (a temporary file, a fresh schema…). */
  create: () => DocumentStore | Promise<DocumentStore>
  /**
   * A second instance on the database of the latest `create` (the same SQLite file, the same
   * PostgreSQL schema), for the tests of two instances sharing one database. Adapters that cannot
   * share list those tests as exceptions.
   */
  reopen?: () => DocumentStore | Promise<DocumentStore>
  /** Tests that do not apply to this adapter, by exact name, with the reason. */
  exceptions?: Record<string, string>
}

/** Shared state of one conformance run, handed to each group of tests. */
export interface DocumentSuiteContext {
  /** The store `create` made for the running test. */
  store: () => DocumentStore
  /** Another instance on the same database, closed after the test. */
  reopen: () => Promise<DocumentStore>
  /** Registers a test, or skips it with its reason when the adapter lists it as an exception. */
  test: (name: string, body: () => Promise<void>, timeoutMs?: number) => void
}

/**
 * The one conformance suite every DocumentStore adapter runs: documents, queries and their sort
 * order, bad input, transactions, fenced checkpoints, active builds and two instances sharing one
 * database.
 *
 * @example
 * documentStoreSuite('sqlite', {
 *   create: () => sqliteDocumentStore({ path: (file = freshFile()) }),
 *   reopen: () => sqliteDocumentStore({ path: file }),
 * })
 */
export function documentStoreSuite(name: string, options: DocumentStoreSuiteOptions): void {
  const { test, checkExceptions } = conformanceTests(name, options.exceptions, 30_000)
  let current: DocumentStore | undefined
  const opened: DocumentStore[] = []

  const ctx: DocumentSuiteContext = {
    store() {
      if (!current) throw new Error('No store under test: use ctx.store() inside a test body')
      return current
    },
    async reopen() {
      if (!options.reopen) {
        throw new Error(
          `The ${name} adapter gives documentStoreSuite no reopen(): list this test as an exception with its reason`,
        )
      }
      const store = await options.reopen()
      opened.push(store)
      return store
    },
    test,
  }

  describe(`DocumentStore conformance: ${name}`, () => {
    beforeEach(async () => {
      current = await options.create()
      opened.push(current)
    })
    afterEach(async () => {
      current = undefined
      await Promise.all(opened.splice(0).map((store) => store.close()))
    })

    describe('documents', () => documentTests(ctx))
    describe('find and count', () => queryTests(ctx))
    describe('bad input', () => validationTests(ctx))
    describe('transactions', () => transactionTests(ctx))
    describe('checkpoints and active builds', () => checkpointTests(ctx))
    describe('two instances on one database', () => sharedDatabaseTests(ctx))

    checkExceptions()
  })
}
