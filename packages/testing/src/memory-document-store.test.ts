import { memoryDocumentStore } from '@acta/core'
import { documentStoreSuite } from './document-store-suite.js'

const oneProcess = 'a memory store is its own database: no second instance can open it'

documentStoreSuite('memory', {
  create: () => memoryDocumentStore(),
  exceptions: {
    "two instances see each other's documents and collections": oneProcess,
    'a claim through one instance fences saves through the other': oneProcess,
    "a second instance sees a transaction's writes only once it commits": oneProcess,
  },
})
