import { hash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { uuidv7 } from '@acta/core'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import { runCommandRoute } from './command-route.js'
import type { Context } from './context.js'
import type { InflightRequest, InflightRequests } from './inflight-requests.js'
import type { ServiceMetrics } from './metrics.js'
import { HttpProblem } from './problem.js'
import { rawBodyOf } from './request-body.js'
import {
  isHttpResponse,
  response,
  type RawBody,
  type RouteDefinition,
  type ServiceRequest,
} from './routes.js'
import { sendProblem, sendResult } from './send-response.js'
import type { ServiceCommandBus } from './service-command-bus.js'
import { validateInput } from './validate-input.js'
import type { WebsocketHub } from './websocket-hub.js'

/** What mounted routes share with the running service. */
export interface RouteRuntime {
  readonly ctx: Context
  readonly scoped: (correlationId: string, request: InflightRequest | undefined) => Context
  readonly bus: ServiceCommandBus
  readonly metrics: ServiceMetrics
  readonly inflight: InflightRequests
  readonly hub: WebsocketHub
  /** True once the listener is closing: new requests get 503 and every response closes its connection. */
  readonly closing: () => boolean
}

type Runner = (ctx: Context, request: FastifyRequest) => unknown

/** Mounts one route on Fastify with its runner, metrics, correlation header and problem mapping. */
export function mountRoute(app: FastifyInstance, route: RouteDefinition, runtime: RouteRuntime): void {
  if (route.kind === 'websocket') {
    mountWebsocket(app, route, runtime)
    return
  }
  const run = withRawBody(route.kind === 'query' ? undefined : route.rawBody, runnerOf(route, runtime))
  const observe = runtime.metrics.routeObserver(route.path)
  const ifMatchAware = route.kind === 'command'
  const { inflight, scoped, closing } = runtime
  const logger = runtime.ctx.logger

  function finish(
    request: FastifyRequest,
    reply: FastifyReply,
    entry: InflightRequest,
    result: unknown,
    error?: { thrown: unknown },
  ): void {
    inflight.finish(entry)
    if (reply.sent) {
      // the time limit answered first
      if (error)
        logger.warn({ err: error.thrown, correlationId: request.id }, 'handler failed after a response')
      return
    }
    if (closing()) reply.header('connection', 'close')
    const ifMatch = ifMatchAware && request.headers['if-match'] !== undefined
    let status: number
    try {
      status = error ? sendProblem(reply, request, error.thrown, logger, ifMatch) : sendResult(reply, result)
    } catch (failure) {
      // e.g. a problem extension JSON cannot encode: still answer, never leave the request hanging
      status = sendProblem(reply, request, failure, logger)
    }
    const seconds = (performance.now() - entry.startedAt) / 1000
    observe(request.method, status, seconds)
    // pino's debug level is 20: one comparison keeps the access log off the hot path at info
    if (logger.levelVal <= 20)
      logger.debug(
        { correlationId: request.id, method: request.method, url: request.url, status, seconds },
        'request',
      )
  }

  app.route({
    method: [...route.methods],
    url: route.path,
    // synchronous results are sent without a promise in between; Fastify gets undefined and waits
    // for the reply, and nothing here can throw past `finish`
    handler(request, reply) {
      const entry = inflight.start(reply)
      reply.header('x-correlation-id', request.id)
      let result: unknown
      try {
        if (closing()) throw new HttpProblem({ status: 503, detail: 'The service is shutting down' })
        result = run(scoped(request.id, entry), request)
      } catch (thrown) {
        finish(request, reply, entry, undefined, { thrown })
        return
      }
      if (isPromiseLike(result))
        result.then(
          (value) => finish(request, reply, entry, value),
          (thrown: unknown) => finish(request, reply, entry, undefined, { thrown }),
        )
      else finish(request, reply, entry, result)
    },
  })
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  )
}

function runnerOf(route: Exclude<RouteDefinition, { kind: 'websocket' }>, runtime: RouteRuntime): Runner {
  switch (route.kind) {
    case 'http': {
      const handler = route.handler
      return (ctx, request) => handler(ctx, request as ServiceRequest)
    }
    case 'command': {
      const options = route.options as Parameters<typeof runCommandRoute>[0]
      return (ctx, request) => runCommandRoute(options, ctx, request, runtime.bus, runtime.metrics)
    }
    case 'query': {
      const { schemas, handler } = route
      return async (ctx, request) => {
        const input = schemas
          ? {
              ...(await validateInput(schemas, {
                params: request.params,
                query: request.query,
                body: undefined,
              })),
              headers: request.headers,
            }
          : request
        return withEtag(await handler(ctx, input), request.headers)
      }
    }
  }
}

/** A runner that first puts the body in the form a `rawBody` route asked for; a refusal is its problem. */
function withRawBody(kind: RawBody | undefined, run: Runner): Runner {
  if (kind === undefined) return run
  return (ctx, request) => {
    request.body = rawBodyOf(kind, request)
    return run(ctx, request)
  }
}

/** A JSON body with a weak ETag of its bytes; 304 when the client's If-None-Match has it. */
function withEtag(body: unknown, headers: IncomingHttpHeaders): unknown {
  if (body === undefined || isHttpResponse(body)) return body
  const json = typeof body === 'string' ? body : JSON.stringify(body)
  const etag = `W/"${hash('sha1', json, 'base64url')}"`
  const ifNoneMatch = headers['if-none-match']
  if (ifNoneMatch !== undefined && etagListHas(ifNoneMatch, etag))
    return response(undefined, { status: 304, headers: { etag } })
  const contentType =
    typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8'
  return response(json, { headers: { etag, 'content-type': contentType } })
}

/** Weak comparison (RFC 9110 §8.8.3.2) of an If-None-Match list with one ETag. */
function etagListHas(list: string, etag: string): boolean {
  const opaque = etag.slice(2)
  for (const candidate of list.split(',')) {
    const tag = candidate.trim()
    if (tag === '*' || tag === etag || tag === opaque || tag.slice(2) === opaque) return true
  }
  return false
}

function mountWebsocket(
  app: FastifyInstance,
  route: Extract<RouteDefinition, { kind: 'websocket' }>,
  runtime: RouteRuntime,
): void {
  const { open, message, close } = route.handlers
  const wsHandler = (socket: WebSocket, request: FastifyRequest) => {
    const ctx = runtime.scoped(request.id, undefined)
    const connection = runtime.hub.connect(socket, {
      path: route.path,
      id: uuidv7(),
      params: request.params,
      query: request.query,
      headers: request.headers,
    })
    const fail = (error: unknown) => {
      ctx.logger.error(
        { err: error, path: route.path, connection: connection.id },
        'websocket handler failed',
      )
      socket.close(1011, 'Internal error')
    }
    // one handler at a time per connection, in order: `message` never runs before `open` finished
    let chain: Promise<unknown> = Promise.resolve(open?.(ctx, connection)).catch(fail)
    socket.on('message', (data, isBinary) => {
      if (!message) return
      const payload = isBinary ? toBuffer(data) : toBuffer(data).toString('utf8')
      chain = chain.then(() => message(ctx, connection, payload)).catch(fail)
    })
    socket.on('close', (code, reason) => {
      runtime.hub.disconnect(connection)
      if (close) chain = chain.then(() => close(ctx, connection, code, reason.toString('utf8'))).catch(fail)
    })
  }
  const logger = runtime.ctx.logger
  app.route({
    method: 'GET',
    url: route.path,
    // a request without an Upgrade header reaches this handler instead of the websocket one
    handler(request, reply) {
      reply.header('x-correlation-id', request.id)
      const problem = new HttpProblem(
        { status: 426, detail: `${route.path} speaks WebSocket only` },
        { upgrade: 'websocket', connection: 'Upgrade' },
      )
      sendProblem(reply, request, problem, logger)
    },
    wsHandler,
  })
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
}
