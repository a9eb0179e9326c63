import type { IncomingHttpHeaders } from 'node:http'
import { isActaError, type Command, type ExpectedVersion, type Metadata } from '@acta/core'
import type { Context } from './context.js'
import type { ServiceMetrics } from './metrics.js'
import { HttpProblem, refusalProblem } from './problem.js'
import {
  isHttpResponse,
  response,
  type CommandRouteOptions,
  type HttpResponse,
  type RouteInput,
} from './routes.js'
import { countOutcome, refusalOf, type ServiceCommandBus } from './service-command-bus.js'
import { validateInput } from './validate-input.js'

type AnyCommandRoute = CommandRouteOptions<object, string, never, never, never>
type AnyInput = RouteInput<string, undefined, undefined, undefined>

const etagVersion = /^"(\d{1,15})"$/
const traceparent = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/
const idempotencyKey = /^[\x21-\x7e]{1,200}$/

/**
 * The version a client demands: `If-Match: "3"` is version 3, `If-Match: *` an existing stream,
 * `If-None-Match: *` a new one. Anything else in If-Match can never match a version ETag: 412.
 */
export function expectedVersionFrom(headers: IncomingHttpHeaders): ExpectedVersion | undefined {
  const ifMatch = headers['if-match']?.trim()
  const ifNoneMatch = headers['if-none-match']?.trim()
  if (ifMatch !== undefined && ifNoneMatch !== undefined)
    throw new HttpProblem({ status: 400, detail: 'Send If-Match or If-None-Match, not both' })
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch === '*') return 'no-stream'
    throw new HttpProblem({ status: 400, detail: 'A command route takes only If-None-Match: *' })
  }
  if (ifMatch === undefined) return undefined
  if (ifMatch === '*') return 'stream-exists'
  const match = etagVersion.exec(ifMatch)
  if (!match?.[1])
    throw new HttpProblem({
      type: 'urn:acta:problem:precondition',
      status: 412,
      detail: 'If-Match must be one strong ETag this route returned, such as "3", or *',
    })
  return Number(match[1])
}

/** Correlation and trace metadata of a request: `x-correlation-id`, `traceparent`, `Idempotency-Key`. */
export function requestMetadata(correlationId: string, headers: IncomingHttpHeaders): Metadata {
  const metadata: Metadata = { correlationId }
  const parent = headers.traceparent
  if (typeof parent === 'string' && traceparent.test(parent)) {
    metadata.traceparent = parent
    const state = headers.tracestate
    if (typeof state === 'string' && state.length <= 512) metadata.tracestate = state
  }
  const key = headers['idempotency-key']
  if (typeof key === 'string') {
    if (!idempotencyKey.test(key))
      throw new HttpProblem({ status: 400, detail: 'Idempotency-Key must be 1-200 visible ASCII characters' })
    metadata.messageId = key
  }
  return metadata
}

/** Runs one request of a command route: validate, map, then handle inline or send. */
export async function runCommandRoute(
  options: AnyCommandRoute,
  ctx: Context,
  request: { params: unknown; query: unknown; body: unknown; headers: IncomingHttpHeaders },
  bus: ServiceCommandBus,
  metrics: ServiceMetrics,
): Promise<HttpResponse> {
  const expectedVersion = expectedVersionFrom(request.headers)
  const metadata = requestMetadata(ctx.correlationId ?? '', request.headers)
  const parsed = await validateInput(options, request)
  const input = { ...parsed, headers: request.headers } as AnyInput
  const mapped: Command = options.toCommand(input, ctx)
  const command: Command = { ...mapped, metadata: { ...metadata, ...mapped.metadata } }

  if (options.mode === 'async') {
    if (expectedVersion !== undefined)
      throw new HttpProblem({
        status: 400,
        detail: 'An asynchronous command route cannot check If-Match or If-None-Match',
      })
    const { messageId } = await bus.send(command)
    metrics.commandsSent.inc({ type: command.type })
    return response({ messageId }, { status: 202 })
  }

  const handleOptions = expectedVersion === undefined ? {} : { expectedVersion }
  let result: unknown
  try {
    result = await (options.handler
      ? countOutcome(command.type, metrics, options.handler(command, handleOptions, ctx))
      : bus.handlerFor(command.type)(command, handleOptions))
  } catch (error) {
    if (isActaError(error)) throw refusalProblem(error, expectedVersion !== undefined)
    throw error
  }
  const refusal = refusalOf(result)
  if (refusal !== undefined) throw refusalProblem(refusal, expectedVersion !== undefined)
  if (!isCommandSuccess(result)) return response(result, { status: result === undefined ? 204 : 200 })
  const headers: Record<string, string> = { etag: `"${result.version}"` }
  if (result.position !== undefined) headers['acta-position'] = String(result.position)
  const body = options.result
    ? options.result(result as never, input)
    : { version: result.version, position: result.position ?? null }
  if (isHttpResponse(body))
    return response(body.body, { status: body.status, headers: { ...headers, ...body.headers } })
  return response(body, { headers })
}

function isCommandSuccess(
  result: unknown,
): result is { ok: true; version: number; position: number | undefined } {
  return (
    typeof result === 'object' &&
    result !== null &&
    (result as { ok?: unknown }).ok === true &&
    typeof (result as { version?: unknown }).version === 'number'
  )
}
