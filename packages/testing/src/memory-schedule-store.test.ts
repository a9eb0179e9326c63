import { memoryScheduleStore } from '@acta/core'
import { scheduleStoreSuite } from './schedule-store-suite.js'

scheduleStoreSuite('memory', {
  create: async () => ({ store: memoryScheduleStore() }),
  exceptions: {
    'sees the entries of another instance on the same database':
      'each memory store is its own process-local database; there is nothing to share',
  },
})
