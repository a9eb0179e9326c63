import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { uuidv7 } from '@acta/core'

/** Headers that describe one connection, not the message: a proxy never passes them on (RFC 9110 7.6.1). */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

/** Request headers the gateway rewrites itself (and `expect`, which it has already answered). */
const replaced = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'expect'])

/** The request headers sent upstream, flat (`[name, value, name, value, …]`), and the correlation id. */
export interface ForwardedRequest {
  readonly headers: string[]
  readonly correlationId: string
}

/**
 * Copies a request's headers for the upstream: drops hop-by-hop headers (and any the `Connection`
 * header names), appends the client to `X-Forwarded-For`, sets `X-Forwarded-Proto` and `-Host`,
 * keeps `x-correlation-id` and `traceparent` as they are and adds a correlation id when there is none.
 * For a WebSocket upgrade, `Connection: Upgrade` and `Upgrade` are kept.
 */
export function forwardRequestHeaders(req: IncomingMessage, websocket = false): ForwardedRequest {
  const raw = req.rawHeaders
  const named = connectionTokens(req.headers.connection)
  const headers: string[] = []
  let forwardedFor: string | undefined
  let correlationId: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    const value = raw[i + 1]!
    const lower = name.toLowerCase()
    if (hopByHop.has(lower) || (named !== undefined && named.has(lower))) continue
    if (replaced.has(lower)) {
      if (lower === 'x-forwarded-for')
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`
      continue
    }
    if (lower === 'x-correlation-id' && correlationId === undefined) correlationId = value
    headers.push(name, value)
  }
  if (correlationId === undefined) {
    correlationId = uuidv7()
    headers.push('x-correlation-id', correlationId)
  }
  const client = req.socket.remoteAddress ?? 'unknown'
  headers.push('x-forwarded-for', forwardedFor === undefined ? client : `${forwardedFor}, ${client}`)
  headers.push('x-forwarded-proto', 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http')
  if (req.headers.host !== undefined) headers.push('x-forwarded-host', req.headers.host)
  if (websocket) headers.push('connection', 'Upgrade', 'upgrade', req.headers.upgrade ?? 'websocket')
  return { headers, correlationId }
}

/** The response headers passed to the client, flat, without hop-by-hop headers. */
export function forwardResponseHeaders(headers: IncomingHttpHeaders): string[] {
  const named = connectionTokens(headers.connection)
  const out: string[] = []
  for (const name in headers) {
    if (hopByHop.has(name) || (named !== undefined && named.has(name))) continue
    const value = headers[name]
    if (value === undefined) continue
    if (typeof value === 'string') out.push(name, value)
    else for (const item of value) out.push(name, item)
  }
  return out
}

function connectionTokens(header: string | string[] | undefined): Set<string> | undefined {
  if (header === undefined) return undefined
  const value = Array.isArray(header) ? header.join(',') : header
  let tokens: Set<string> | undefined
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase()
    if (name === '' || name === 'close' || name === 'keep-alive' || name === 'upgrade') continue
    ;(tokens ??= new Set()).add(name)
  }
  return tokens
}
