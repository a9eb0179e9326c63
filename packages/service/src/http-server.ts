import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { uuidv7 } from '@acta/core'
import fastifyStatic from '@fastify/static'
import fastifyWebsocket from '@fastify/websocket'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import type { ServiceConfig } from './config.js'
import { mountRoute, type RouteRuntime } from './mount-routes.js'
import { HttpProblem } from './problem.js'
import type { Readiness } from './readiness.js'
import { rawBodyParser, utf8BodyParsers } from './request-body.js'
import { response, routeBuilder, type HttpMethod, type RouteDefinition } from './routes.js'
import { pathOf, problemContentType, sendProblem } from './send-response.js'

export interface HttpServerOptions {
  readonly config: ServiceConfig
  readonly routes: readonly RouteDefinition[]
  readonly static:
    | { readonly root: string; readonly prefix?: string; readonly headers?: Readonly<Record<string, string>> }
    | undefined
  readonly runtime: RouteRuntime
  /** Undefined while the service is stopping: /readyz then answers 503 without checking. */
  readonly readiness: () => Promise<Readiness> | undefined
}

const correlationIdPattern = /^[\w.:@/+=-]{1,128}$/

/** Fastify with Acta's parsers, problem+json errors, 404/405, health, readiness, metrics and the routes. */
export async function httpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const { config, runtime } = options
  const logger = runtime.ctx.logger
  const app = Fastify({
    logger: false,
    bodyLimit: config.bodyLimit,
    requestTimeout: config.requestTimeoutMs,
    // Node honours a request deadline only when given at construction (a later assignment is not
    // enforced), and checks deadlines every 30 s by default: check often enough for the limit
    http: {
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(config.requestTimeoutMs / 4))),
    },
    return503OnClosing: false,
    genReqId: (request) => {
      const given = request.headers['x-correlation-id']
      return typeof given === 'string' && correlationIdPattern.test(given) ? given : uuidv7()
    },
    // the router refuses a path it cannot decode (malformed percent-encoding) or a parameter over
    // its length limit before any route or not-found handler runs
    frameworkErrors: (error, request, reply) => {
      reply.header('x-correlation-id', request.id)
      if (runtime.closing()) reply.header('connection', 'close')
      const problem =
        error.code === 'FST_ERR_BAD_URL'
          ? new HttpProblem({ status: 400, detail: 'The path is not valid percent-encoded UTF-8' })
          : error
      const status = sendProblem(reply, request, problem, logger)
      runtime.metrics.observeRequest(request.method, 'unmatched', status, 0)
    },
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      const status =
        error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
      if (!socket.writable) return socket.destroy()
      const body = JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status], status })
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${problemContentType}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      )
    },
  })
  utf8BodyParsers(app)

  const allowed = allowedMethods(options.routes)
  app.setNotFoundHandler((request, reply) => {
    const started = performance.now()
    const path = pathOf(request.url)
    const methods = allowed(path)
    reply.header('x-correlation-id', request.id)
    if (runtime.closing()) reply.header('connection', 'close')
    const problem =
      methods.length > 0 && !methods.includes(request.method)
        ? new HttpProblem(
            { status: 405, detail: `${request.method} is not allowed on ${path}` },
            {
              allow: methods.join(', '),
            },
          )
        : new HttpProblem({ status: 404, detail: `Nothing at ${request.method} ${path}` })
    const status = sendProblem(reply, request, problem, logger)
    runtime.metrics.observeRequest(request.method, 'unmatched', status, (performance.now() - started) / 1000)
  })
  // only errors raised before a route's handler get here (body parsing, limits): handlers map their own
  app.setErrorHandler((error, request, reply) => {
    reply.header('x-correlation-id', request.id)
    const status = sendProblem(reply, request, error, logger)
    runtime.metrics.observeRequest(request.method, routeOf(request), status, 0)
  })

  const builtIn = [
    routeBuilder.get('/healthz', () => ({ status: 'ok' })),
    routeBuilder.get('/readyz', async () => {
      const check = options.readiness()
      if (!check)
        throw new HttpProblem({ status: 503, title: 'Not ready', detail: 'The service is shutting down' })
      const { ready, checks, position } = await check
      if (!ready)
        throw new HttpProblem({
          status: 503,
          title: 'Not ready',
          detail: 'A dependency is not ready',
          checks,
        })
      return { status: 'ready', checks, position }
    }),
    routeBuilder.get('/metrics', async (ctx) =>
      response(await ctx.metrics.metrics(), { headers: { 'content-type': ctx.metrics.contentType } }),
    ),
  ]
  const raw = options.routes.filter(
    (route) => (route.kind === 'http' || route.kind === 'command') && route.rawBody !== undefined,
  )
  for (const route of [...builtIn, ...options.routes])
    if (route.kind !== 'websocket' && !raw.includes(route)) mountRoute(app, route, runtime)
  // encapsulated, so only these routes take any body as bytes; the others keep the parsers above
  if (raw.length > 0)
    await app.register(async (scope) => {
      rawBodyParser(scope)
      for (const route of raw) mountRoute(scope, route, runtime)
    })
  const websockets = options.routes.filter((route) => route.kind === 'websocket')
  // encapsulated, so the plugin's request hooks run on websocket routes only, not on every request
  if (websockets.length > 0)
    await app.register(async (scope) => {
      await scope.register(fastifyWebsocket, { options: { maxPayload: config.bodyLimit } })
      for (const route of websockets) mountRoute(scope, route, runtime)
    })
  if (options.static)
    await app.register(fastifyStatic, {
      root: options.static.root,
      prefix: options.static.prefix ?? '/',
      decorateReply: false,
      index: ['index.html'],
      ...(options.static.headers
        ? {
            setHeaders: (res: { setHeader(name: string, value: string): unknown }) => {
              for (const [name, value] of Object.entries(options.static?.headers ?? {}))
                res.setHeader(name, value)
            },
          }
        : {}),
    })
  return app
}

/** The methods routes declare for a concrete path, with HEAD wherever GET is; [] when no route matches. */
function allowedMethods(routes: readonly RouteDefinition[]): (path: string) => string[] {
  const patterns = [
    { path: '/healthz', methods: ['GET'] as readonly HttpMethod[] },
    { path: '/readyz', methods: ['GET'] as readonly HttpMethod[] },
    { path: '/metrics', methods: ['GET'] as readonly HttpMethod[] },
    ...routes,
  ].map((route) => ({ regex: pathRegex(route.path), methods: route.methods }))
  return (path) => {
    const methods = new Set<string>()
    for (const pattern of patterns)
      if (pattern.regex.test(path)) for (const m of pattern.methods) methods.add(m)
    if (methods.has('GET')) methods.add('HEAD')
    return methodOrder.filter((method) => methods.has(method))
  }
}

const methodOrder: readonly HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

function pathRegex(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) =>
      segment === '*'
        ? '.*'
        : segment.startsWith(':')
          ? '[^/]+'
          : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/')
  return new RegExp(`^${source}/?$`)
}

function routeOf(request: FastifyRequest): string {
  return request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched')
}
