import { memoryEventStore } from '@acta/core'
import { eventStoreSuite } from './event-store-suite.js'

eventStoreSuite('memory', {
  create: async () => ({ store: memoryEventStore() }),
  exceptions: {
    'crash: a writer killed with SIGKILL mid-append leaves only whole batches, and a subscriber resumes consistently':
      'the memory store lives inside one process; there is no second process to kill',
  },
})
