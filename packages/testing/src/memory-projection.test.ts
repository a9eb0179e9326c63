import { memoryCoordination, memoryDocumentStore, memoryEventStore } from '@acta/core'
import { projectionSuite } from './projection-suite.js'

projectionSuite('memory', {
  async create() {
    const store = memoryEventStore()
    const documents = memoryDocumentStore()
    const { leases } = memoryCoordination()
    // another instance in the same process shares the very same stores; closing it must not close them
    const shared = { store, documents, leases }
    return {
      ...shared,
      reopen: async () => ({
        store: { ...store, close: async () => undefined },
        documents: { ...documents, close: async () => undefined },
        leases: { ...leases, close: async () => undefined },
      }),
    }
  },
})
