// The baseline: a raw node:http server doing the HTTP part of the todo API and nothing else. A POST
// has its JSON body read and parsed and is answered 202 with a command answer of the same shape;
// a GET is answered with a fixed todo view of the same shape. Reports its URL over IPC.
import { createServer } from 'node:http'

const json = 'application/json; charset=utf-8'
const view = JSON.stringify({
  todo_id: 'bench-todo',
  assignee_id: 'bench-user-0',
  text: 'a todo of about the usual length',
  status: 'OPEN',
  deadline: null,
  reminder: null,
})
let position = 0

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': json, 'content-length': Buffer.byteLength(view) }).end(view)
    return
  }
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    let todoId: unknown
    try {
      todoId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { todo_id?: unknown }).todo_id
    } catch {
      res.writeHead(400, { 'content-length': 0 }).end()
      return
    }
    const body = JSON.stringify({
      events: ['TodoWasPosted'],
      position: ++position,
      stream: `todo-${String(todoId)}`,
      version: 1,
    })
    res.writeHead(202, { 'content-type': json, 'content-length': Buffer.byteLength(body) }).end(body)
  })
})

server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  process.send?.({ type: 'listening', url: `http://127.0.0.1:${address.port}`, pid: process.pid })
})
process.once('disconnect', () => server.close())
process.once('SIGTERM', () => server.close())
