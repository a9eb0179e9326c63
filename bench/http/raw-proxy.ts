// A minimal reverse proxy on node:http alone, as a floor for the gateway's cost: round-robin over
// UPSTREAMS (comma-separated origins) with keep-alive connections, request and response piped
// through with their headers, nothing else (no routing table, health checks, retries, problem+json
// or forwarded headers). Reports its URL over IPC.
import { Agent, createServer, request } from 'node:http'

const upstreams = (process.env.UPSTREAMS ?? '').split(',').map((url) => new URL(url))
if (upstreams.length === 0 || upstreams.some((url) => url.protocol !== 'http:')) throw new Error('UPSTREAMS')
const agent = new Agent({ keepAlive: true, maxSockets: 256 })
let next = 0

const server = createServer((req, res) => {
  const upstream = upstreams[next++ % upstreams.length]!
  const forward = request(
    {
      agent,
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    },
  )
  forward.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-length': 0 })
    res.end()
  })
  req.pipe(forward)
})

server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  process.send?.({ type: 'listening', url: `http://127.0.0.1:${address.port}` })
})
process.once('disconnect', () => server.close())
process.once('SIGTERM', () => server.close())
