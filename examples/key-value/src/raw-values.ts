import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { uuidv7 } from '@acta/core'

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void

/**
 * Adapts a started service's HTTP server to this example's API, in front of the runtime's own
 * request handling:
 *
 * - A PUT to `/values/…` carries the value as its raw body, whatever its Content-Type says (the
 *   DriftPHP demo sends `Content-Type: application/json` with `myvalue`). The runtime only parses
 *   JSON and text bodies, so the Content-Type is replaced with `text/plain`, keeping a `charset`:
 *   the runtime's text parser then refuses bodies that are not UTF-8 (400) and other charsets (415).
 * - A path that is not valid percent-encoded UTF-8 gets a 400 problem+json; the runtime's
 *   framework would answer it with its own JSON error shape.
 */
export function acceptRawValues(server: Server): void {
  const listeners = server.listeners('request') as RequestListener[]
  server.removeAllListeners('request')
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const url = request.url ?? '/'
    if (url.includes('%') && !decodable(url)) return badPath(url, request, response)
    if (request.method === 'PUT' && url.startsWith('/values/'))
      request.headers['content-type'] = textPlain(request.headers['content-type'])
    for (const listener of listeners) listener.call(server, request, response)
  })
}

function decodable(url: string): boolean {
  const query = url.indexOf('?')
  try {
    decodeURIComponent(query === -1 ? url : url.slice(0, query))
    return true
  } catch {
    return false
  }
}

function textPlain(contentType: string | undefined): string {
  const charset = /;\s*charset=("?)([^";]+)\1/i.exec(contentType ?? '')?.[2]
  return `text/plain; charset=${charset ?? 'utf-8'}`
}

const correlationIdPattern = /^[\w.:@/+=-]{1,128}$/

function badPath(url: string, request: IncomingMessage, response: ServerResponse): void {
  const query = url.indexOf('?')
  const given = request.headers['x-correlation-id']
  const correlationId = typeof given === 'string' && correlationIdPattern.test(given) ? given : uuidv7()
  const body = JSON.stringify({
    type: 'about:blank',
    title: 'Bad Request',
    status: 400,
    detail: 'The path is not valid percent-encoded UTF-8',
    instance: query === -1 ? url : url.slice(0, query),
    correlationId,
  })
  request.resume()
  response.writeHead(400, {
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-correlation-id': correlationId,
  })
  response.end(body)
}
