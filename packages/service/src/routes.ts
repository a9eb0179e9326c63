import type { IncomingHttpHeaders } from 'node:http'
import type { Command, CommandResult, Event, HandleOptions } from '@acta/core'
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { Context } from './context.js'

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS'

type CleanName<N extends string> = N extends `${infer A}(${string}` ? A : N extends `${infer A}?` ? A : N
type ParamNames<P extends string> = P extends `${string}:${infer Rest}`
  ? Rest extends `${infer Name}/${infer Tail}`
    ? CleanName<Name> | ParamNames<Tail>
    : CleanName<Rest>
  : P extends `${string}*`
    ? '*'
    : never

/** The `:name` (and `*`) parameters of a path: `PathParams<'/values/:key'>` is `{ key: string }`. */
export type PathParams<P extends string> = { readonly [K in ParamNames<P>]: string }

/** Query string values as parsed: a repeated key gives an array. */
export type QueryValues = Readonly<Record<string, string | string[] | undefined>>

/**
 * How a route takes its request body, whatever its Content-Type: `'buffer'` gives the bytes as a
 * Buffer, `'text'` a string decoded strictly as UTF-8 (400 when it is not, 415 for a declared
 * charset other than UTF-8). A request without a body gives an empty Buffer or `''`.
 */
export type RawBody = 'buffer' | 'text'

/** The body a route with `rawBody: K` receives; `unknown` for a route that parses its body. */
export type RawBodyValue<K extends RawBody | undefined> = K extends 'buffer'
  ? Buffer
  : K extends 'text'
    ? string
    : unknown

/** Options of a plain route. */
export interface RouteOptions<K extends RawBody | undefined = undefined> {
  /**
   * Takes the body as is instead of parsing it by its Content-Type; still at most `ACTA_BODY_LIMIT`
   * bytes (413).
   *
   * @example
   * r.route('PUT', '/files/:name', (ctx, req) => save(req.params.name, req.body), { rawBody: 'buffer' })
   */
  rawBody?: K
}

/** What a plain route handler sees of the request. */
export interface ServiceRequest<Params = Readonly<Record<string, string>>, Body = unknown> {
  readonly method: string
  /** Path and query string as received. */
  readonly url: string
  readonly params: Params
  readonly query: QueryValues
  readonly headers: IncomingHttpHeaders
  /**
   * Parsed body: JSON for `application/json` (and `+json`), a string for `text/plain`; on a route
   * with `rawBody`, the body as is (see {@link RawBody}).
   */
  readonly body: Body
}

/**
 * A route handler: return the response body (JSON unless a string or Buffer; `undefined` gives
 * 204), a {@link response} for another status or headers, or throw an ActaError.
 */
export type Handler<R extends object, P extends string, Body = unknown> = (
  ctx: Context<R>,
  request: ServiceRequest<PathParams<P>, Body>,
) => unknown

const responseBrand = Symbol.for('acta.response')

/** A response with its status and headers; build it with {@link response}. */
export interface HttpResponse {
  readonly [responseBrand]: true
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

/**
 * A response with a status and headers other than the default 200.
 *
 * @example
 * return response({ id }, { status: 201, headers: { location: `/todos/${id}` } })
 */
export function response(
  body: unknown,
  init: { status?: number; headers?: Record<string, string> } = {},
): HttpResponse {
  return { [responseBrand]: true, status: init.status ?? 200, headers: init.headers ?? {}, body }
}

/** True for a value built by {@link response}. */
export function isHttpResponse(value: unknown): value is HttpResponse {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[responseBrand] === true
  )
}

type Output<S, Fallback> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : Fallback
type Schema = StandardSchemaV1 | undefined

/** A route's input after validation: each part is its schema's output when the route declares one. */
export interface RouteInput<
  P extends string,
  B extends Schema,
  Q extends Schema,
  PS extends Schema,
  K extends RawBody | undefined = undefined,
> {
  readonly params: Output<PS, PathParams<P>>
  readonly query: Output<Q, QueryValues>
  readonly body: Output<B, RawBodyValue<K>>
  readonly headers: IncomingHttpHeaders
}

/** The successful result of a `commandHandler`. */
export type CommandSuccess = Extract<CommandResult<Event, unknown>, { ok: true }>

export interface CommandRouteOptions<
  R extends object,
  P extends string,
  B extends Schema,
  Q extends Schema,
  PS extends Schema,
  K extends RawBody | undefined = undefined,
> {
  /** Standard Schema (zod, valibot, arktype, …) of the body; a mismatch is a 422 listing every issue. */
  body?: B
  query?: Q
  params?: PS
  /**
   * Status of a schema mismatch: 422 (default), or 400 for an API whose contract makes every bad
   * input a 400. The problem is the same `urn:acta:problem:invalid-input` with its `errors`.
   *
   * @example
   * r.command('POST', '/api/commands/post-todo', { body: postTodo, invalidStatus: 400, toCommand })
   */
  invalidStatus?: InvalidInputStatus
  /**
   * Takes the body as is, whatever its Content-Type (see {@link RawBody}); a `body` schema then
   * validates that Buffer or string.
   */
  rawBody?: K
  /** Maps the validated input to the command; the runtime adds correlation and trace metadata. */
  toCommand: (input: RouteInput<P, B, Q, PS, K>, ctx: Context<R>) => Command
  /**
   * `'inline'` (default): handle now and answer 200 with the version as ETag and the log position.
   * `'async'`: `commandBus.send` it and answer 202 with its `messageId`.
   */
  mode?: 'inline' | 'async'
  /**
   * Handles an inline command; default: the handler registered on `ctx.commandBus` for its type,
   * called with the If-Match version as `expectedVersion` (a `commandHandler` honours it).
   */
  handler?: (command: Command, options: HandleOptions, ctx: Context<R>) => Promise<unknown>
  /**
   * The 200 body of a handled command; default `{ version, position }`. Return a {@link response}
   * for another status: `response(body, { status: 202 })` (the ETag and Acta-Position headers stay).
   */
  result?: (result: CommandSuccess, input: RouteInput<P, B, Q, PS, K>) => unknown
}

/** The status of a request whose input does not match the route's schemas. */
export type InvalidInputStatus = 400 | 422

export interface QueryRouteOptions<R extends object, P extends string, Q extends Schema, PS extends Schema> {
  query?: Q
  params?: PS
  /** Status of a schema mismatch: 422 (default) or 400, as on a command route. */
  invalidStatus?: InvalidInputStatus
  handler: (ctx: Context<R>, input: RouteInput<P, undefined, Q, PS>) => unknown
}

/** One open websocket connection. */
export interface WebsocketConnection<P extends string = string> {
  /** Unique per connection (a UUIDv7). */
  readonly id: string
  /** The route's path pattern. */
  readonly path: string
  readonly params: PathParams<P>
  readonly query: QueryValues
  readonly headers: IncomingHttpHeaders
  /** Sends JSON, or a string / Buffer as is; ignored once the connection is closed. */
  send(data: unknown): void
  close(code?: number, reason?: string): void
}

export interface WebsocketHandlers<R extends object, P extends string> {
  open?: (ctx: Context<R>, connection: WebsocketConnection<P>) => unknown
  /** Text frames arrive as strings, binary frames as Buffers. */
  message?: (ctx: Context<R>, connection: WebsocketConnection<P>, data: string | Buffer) => unknown
  close?: (ctx: Context<R>, connection: WebsocketConnection<P>, code: number, reason: string) => unknown
}

/** A route as the runtime mounts it; build it with the {@link RouteBuilder} `routes` receives. */
export type RouteDefinition<R extends object = object> =
  | {
      readonly kind: 'http'
      readonly methods: readonly HttpMethod[]
      readonly path: string
      readonly handler: Handler<R, string>
      readonly rawBody?: RawBody | undefined
    }
  | {
      readonly kind: 'command'
      readonly methods: readonly HttpMethod[]
      readonly path: string
      readonly options: CommandRouteOptions<R, string, Schema, Schema, Schema>
      readonly rawBody?: RawBody | undefined
    }
  | {
      readonly kind: 'query'
      readonly methods: readonly HttpMethod[]
      readonly path: string
      /** Without schemas the handler gets the request itself. */
      readonly schemas:
        | { readonly query?: Schema; readonly params?: Schema; readonly invalidStatus?: InvalidInputStatus }
        | undefined
      readonly handler: (ctx: Context<R>, input: RouteInput<string, undefined, Schema, Schema>) => unknown
    }
  | {
      readonly kind: 'websocket'
      readonly methods: readonly HttpMethod[]
      readonly path: string
      readonly handlers: WebsocketHandlers<R, string>
    }

/** The route helpers `routes` receives, typed with the service's resources. */
export interface RouteBuilder<R extends object> {
  /** A plain GET route: `(ctx, req) => body`. */
  get<P extends string>(path: P, handler: Handler<R, P>): RouteDefinition<R>
  /** A plain route on any method(s); `{ rawBody }` takes the body as is (see {@link RouteOptions}). */
  route<P extends string, K extends RawBody | undefined = undefined>(
    method: HttpMethod | readonly HttpMethod[],
    path: P,
    handler: Handler<R, P, RawBodyValue<K>>,
    options?: RouteOptions<K>,
  ): RouteDefinition<R>
  /** Validates input, maps it to a command and runs it; honours If-Match (see README). */
  command<
    P extends string,
    B extends Schema = undefined,
    Q extends Schema = undefined,
    PS extends Schema = undefined,
    K extends RawBody | undefined = undefined,
  >(
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: P,
    options: CommandRouteOptions<R, P, B, Q, PS, K>,
  ): RouteDefinition<R>
  /** A GET route whose JSON body gets a weak ETag; If-None-Match answers 304. */
  query<P extends string, Q extends Schema = undefined, PS extends Schema = undefined>(
    path: P,
    handler: Handler<R, P> | QueryRouteOptions<R, P, Q, PS>,
  ): RouteDefinition<R>
  /** A websocket route; `ctx.broadcast(path, data)` reaches all its connections. */
  websocket<P extends string>(path: P, handlers: WebsocketHandlers<R, P>): RouteDefinition<R>
}

const get = ['GET'] as const

/** The untyped implementation behind every service's {@link RouteBuilder}. */
export const routeBuilder: RouteBuilder<object> = {
  get: (path, handler) => ({ kind: 'http', methods: get, path, handler: handler }),
  route: (method, path, handler, options) => ({
    kind: 'http',
    methods: typeof method === 'string' ? [method] : method,
    path,
    handler: handler as Handler<object, string>,
    rawBody: options?.rawBody,
  }),
  command: (method, path, options) => ({
    kind: 'command',
    methods: [method],
    path,
    options: options as unknown as CommandRouteOptions<object, string, Schema, Schema, Schema>,
    rawBody: options.rawBody,
  }),
  query: (path, handler) => ({
    kind: 'query',
    methods: get,
    path,
    schemas:
      typeof handler === 'function'
        ? undefined
        : { query: handler.query, params: handler.params, invalidStatus: handler.invalidStatus },
    handler: (typeof handler === 'function' ? handler : handler.handler) as (
      ctx: Context<object>,
      input: RouteInput<string, undefined, Schema, Schema>,
    ) => unknown,
  }),
  websocket: (path, handlers) => ({
    kind: 'websocket',
    methods: get,
    path,
    handlers: handlers as unknown as WebsocketHandlers<object, string>,
  }),
}
