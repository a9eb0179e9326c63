import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'

/** An RFC 9457 problem the gateway answers itself (`application/problem+json`). */
export interface Problem {
  readonly status: number
  readonly detail: string
  /** The request path. */
  readonly instance?: string
  readonly correlationId?: string
}

/** The JSON body of a problem: `type` is `about:blank`, so `title` is the status phrase. */
export function problemBody(problem: Problem): string {
  return JSON.stringify({
    type: 'about:blank',
    title: STATUS_CODES[problem.status] ?? 'Error',
    status: problem.status,
    detail: problem.detail,
    ...(problem.instance === undefined ? {} : { instance: problem.instance }),
    ...(problem.correlationId === undefined ? {} : { correlationId: problem.correlationId }),
  })
}

/** Answers with a problem, unless the response has already started (then the client connection is cut). */
export function sendProblem(
  res: ServerResponse,
  problem: Problem,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = problemBody(problem)
  res.writeHead(problem.status, {
    ...headers,
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    ...(problem.correlationId === undefined ? {} : { 'x-correlation-id': problem.correlationId }),
  })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}

/** Writes a problem as a whole HTTP/1.1 response on a raw socket (a refused upgrade) and closes it. */
export function writeRawProblem(socket: Duplex, problem: Problem): void {
  const body = problemBody(problem)
  const head = [
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? 'Error'}`,
    'content-type: application/problem+json',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
  ]
  if (problem.correlationId !== undefined) head.push(`x-correlation-id: ${problem.correlationId}`)
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`)
}
