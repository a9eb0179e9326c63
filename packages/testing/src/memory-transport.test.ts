import { memoryTransport } from '@acta/core'
import { transportSuite } from './transport-suite.js'

transportSuite('memory', {
  create: async () => {
    const transport = memoryTransport()
    return { transport, connect: async () => transport }
  },
})
