// A service process for spawn-service.test.ts: memory adapters, one route, reported over IPC.
import { defineService, reportListening, runService } from './index.js'

if (process.env.FIXTURE_FAIL) {
  console.error(`refusing to start: ${process.env.FIXTURE_FAIL}`)
  process.exit(3)
}
const running = await runService(
  defineService({
    name: 'spawned',
    routes: (r) => [r.get('/greeting', () => ({ greeting: process.env.FIXTURE_GREETING }))],
  }),
  { config: { port: 0, databaseUrl: 'memory', transportUrl: 'memory', logLevel: 'warn' } },
)
reportListening(running)
