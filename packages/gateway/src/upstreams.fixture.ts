import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocketServer } from 'ws'
import { startGateway, type Gateway, type GatewayOptions } from './gateway.js'
import type { RouteTable } from './route-table.js'

/** What a test upstream saw of one request. */
export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
}

/** A real node:http server on 127.0.0.1 standing in for one replica of a service. */
export interface TestUpstream {
  readonly name: string
  readonly url: string
  readonly port: number
  readonly seen: Seen[]
  /** Close code and reason of every WebSocket that ended, as this upstream saw it. */
  readonly wsClosed: { code: number; reason: string }[]
  /** Answer `/healthz` with 503 while false. */
  healthy: boolean
  /** Stops listening and cuts every connection: the replica is dead (connections are refused). */
  kill(): Promise<void>
  /** Listens again on the same port. */
  revive(): Promise<void>
  close(): Promise<void>
}

export type Handler = (req: IncomingMessage, res: ServerResponse, upstream: TestUpstream) => void

/** Answers every request with JSON naming the upstream, the method and the URL. */
export const echo: Handler = (req, res, upstream) => {
  const body = JSON.stringify({ upstream: upstream.name, method: req.method, url: req.url })
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/**
 * Starts an upstream. `/healthz` answers 200 (or 503 once `healthy` is false); everything else
 * goes to `handler`; WebSocket upgrades on any path echo each message back prefixed by the name.
 */
export async function startUpstream(name: string, handler: Handler = echo): Promise<TestUpstream> {
  const sockets = new Set<Socket>()
  const wss = new WebSocketServer({ noServer: true })
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(upstream.healthy ? 200 : 503).end()
      return
    }
    upstream.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    handler(req, res, upstream)
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.on('upgrade', (req, socket, head) => {
    sockets.add(socket as Socket)
    socket.once('close', () => sockets.delete(socket as Socket))
    upstream.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => {
        const text = Buffer.isBuffer(data) ? data.toString() : ''
        if (text === 'close please') ws.close(4000, 'asked to')
        else ws.send(isBinary ? data : `${name}: ${text}`)
      })
      ws.on('close', (code, reason) => upstream.wsClosed.push({ code, reason: reason.toString() }))
      ws.send(`hello from ${name}`)
    })
  })
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  await listen(0)
  const port = (server.address() as AddressInfo).port
  const kill = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const socket of sockets) socket.destroy()
    await closed
  }
  const upstream: TestUpstream = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    seen: [],
    wsClosed: [],
    healthy: true,
    kill,
    revive: () => listen(port),
    close: async () => {
      if (server.listening) await kill()
      wss.close()
    },
  }
  return upstream
}

/** Starts `count` upstreams named `${prefix}1`, `${prefix}2`, … */
export async function startUpstreams(
  prefix: string,
  count: number,
  handler?: Handler,
): Promise<TestUpstream[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startUpstream(`${prefix}${i + 1}`, handler)))
}

/** Starts a gateway with logs kept quiet (tests check status and responses, not logs). */
export function testGateway(table: RouteTable, options: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const quiet = () => {}
  return startGateway({ table, logger: { info: quiet, warn: quiet, error: quiet }, ...options })
}

/** A GET (or other method) through `fetch` with no keep-alive surprises: returns status, headers and text. */
export async function call(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const response = await fetch(url, init)
  const text = await response.text()
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as unknown }
}

/** One request over node:http on a fresh connection, for headers `fetch` will not send. */
export function rawRequest(
  base: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        hostname,
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}
