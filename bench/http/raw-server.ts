// The baseline: a raw node:http server holding the same Map as a replica's read model and
// answering GET /values/{key} with the same JSON. PUT fills it. Reports its URL over IPC.
import { createServer } from 'node:http'

const values = new Map<string, string>()
const json = 'application/json; charset=utf-8'

const server = createServer((req, res) => {
  const url = req.url ?? '/'
  if (!url.startsWith('/values/')) {
    res.writeHead(404, { 'content-length': 0 }).end()
    return
  }
  const key = decodeURIComponent(url.slice('/values/'.length))
  if (req.method === 'GET') {
    const value = values.get(key)
    if (value === undefined) {
      res.writeHead(404, { 'content-length': 0 }).end()
      return
    }
    const body = JSON.stringify({ key, value })
    res.writeHead(200, { 'content-type': json, 'content-length': Buffer.byteLength(body) }).end(body)
    return
  }
  if (req.method === 'PUT') {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const value = Buffer.concat(chunks).toString('utf8')
      values.set(key, value)
      const body = JSON.stringify({ key, value, message: 'OK' })
      res.writeHead(200, { 'content-type': json, 'content-length': Buffer.byteLength(body) }).end(body)
    })
    return
  }
  res.writeHead(405, { allow: 'GET, PUT', 'content-length': 0 }).end()
})

server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  process.send?.({ type: 'listening', url: `http://127.0.0.1:${address.port}` })
})
process.once('disconnect', () => server.close())
process.once('SIGTERM', () => server.close())
