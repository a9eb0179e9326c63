import { memoryCoordination } from '@acta/core'
import { coordinationSuite } from './coordination-suite.js'

coordinationSuite('memory', { create: async () => memoryCoordination() })
