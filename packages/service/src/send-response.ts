import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { mapError } from './problem.js'
import { isHttpResponse } from './routes.js'

export const problemContentType = 'application/problem+json; charset=utf-8'

/**
 * Sends what a handler returned: a {@link response} as built, `undefined` as 204, anything else
 * as the 200 body (JSON unless a string or Buffer). Returns the status sent.
 */
export function sendResult(reply: FastifyReply, result: unknown): number {
  if (isHttpResponse(result)) {
    reply.code(result.status)
    for (const name in result.headers) reply.header(name, result.headers[name])
    if (result.body === undefined) reply.send()
    else reply.send(result.body)
    return result.status
  }
  if (result === undefined) {
    reply.code(204).send()
    return 204
  }
  reply.send(result)
  return 200
}

/**
 * Sends an error as `application/problem+json` with `instance` (the request path) and
 * `correlationId`. Faults of the service (5xx) are logged with their stack and shown without detail.
 */
export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  error: unknown,
  logger: Logger,
  ifMatch = false,
): number {
  const { problem, headers, internal } = mapError(error, { ifMatch })
  const status = problem.status
  const instance = pathOf(request.url)
  if (internal) {
    const cause = (error as { cause?: unknown } | null)?.cause ?? error
    logger.error(
      { err: cause, correlationId: request.id, method: request.method, url: instance },
      'request failed',
    )
  } else if (logger.isLevelEnabled('debug')) {
    logger.debug(
      { correlationId: request.id, status, detail: problem.detail, url: instance },
      'request refused',
    )
  }
  reply.code(status)
  for (const name in headers) reply.header(name, headers[name])
  reply.header('content-type', problemContentType)
  reply.send(JSON.stringify({ ...problem, instance, correlationId: request.id }))
  return status
}

/** The path of a request URL, without its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}
