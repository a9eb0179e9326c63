// A service as a process's main program, for the signal tests: GET /slow answers after SLOW_MS.
import { setTimeout as sleep } from 'node:timers/promises'
import { defineService } from './define-service.js'
import { runService } from './run-service.js'

const service = defineService({
  name: 'signalled',
  routes: (r) => [
    r.get('/slow', async () => {
      await sleep(Number(process.env.SLOW_MS ?? 0))
      return { done: true }
    }),
  ],
})
await runService(service)
