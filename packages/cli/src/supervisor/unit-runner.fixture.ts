// A replica for the unit runner's tests: answers /readyz on PORT, exits with code 3 on /crash, and
// exits at once with code 4 when CRASH_AT_START is set.
import { createServer } from 'node:http'

if (process.env.CRASH_AT_START) process.exit(4)

const server = createServer((request, response) => {
  if (request.url === '/crash') {
    response.end('bye', () => process.exit(3))
    return
  }
  response.statusCode = request.url === '/readyz' ? 200 : 404
  response.end()
})
server.listen(Number(process.env.PORT), '127.0.0.1')
process.once('SIGTERM', () => server.close(() => process.exit(0)))
