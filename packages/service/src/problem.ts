import { STATUS_CODES } from 'node:http'
import { isActaError, type ErrorCode } from '@acta/core'

/**
 * An RFC 9457 problem, sent as `application/problem+json`. Extensions sit next to the standard
 * members: `code` (the ActaError code), `correlationId`, `errors` (validation issues), `actualVersion`.
 */
export interface ProblemDetails {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail?: string
  readonly instance?: string
  readonly [extension: string]: unknown
}

/** One failed check of a request's input: where (`in` + JSON pointer `path`) and why. */
export interface InputIssue {
  readonly in: 'body' | 'query' | 'params' | 'headers'
  /** JSON pointer into that part of the request, e.g. `/items/0/name`; empty for the whole part. */
  readonly path: string
  readonly message: string
}

/** HTTP status of each ActaError code. CONCURRENCY is 412 instead when the client sent If-Match. */
export const statusByCode: Readonly<Record<ErrorCode, number>> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CONCURRENCY: 409,
  IDEMPOTENCY: 409,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
}

const brand = Symbol.for('acta.http-problem')
const reserved = new Set(['type', 'title', 'status', 'detail', 'instance', 'code', 'correlationId'])

/**
 * An error that is already an HTTP answer. Throw it from a handler for a status no ActaError code
 * names; its problem is sent as is.
 *
 * @example
 * throw new HttpProblem({ status: 402, title: 'Payment Required', detail: 'The quota is used up' })
 */
export class HttpProblem extends Error {
  declare readonly [brand]: true
  readonly problem: ProblemDetails
  readonly headers: Readonly<Record<string, string>>
  /** True when the problem hides a fault of the service (5xx): `cause` is logged with its stack. */
  readonly internal: boolean

  constructor(
    problem: Partial<ProblemDetails> & { status: number },
    headers: Record<string, string> = {},
    options: { cause?: unknown; internal?: boolean } = {},
  ) {
    const title = problem.title ?? STATUS_CODES[problem.status] ?? 'Error'
    super(problem.detail ?? title, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'HttpProblem'
    this.problem = { type: 'about:blank', title, ...problem, status: problem.status }
    this.headers = headers
    this.internal = options.internal ?? false
    Object.defineProperty(this, brand, { value: true })
  }
}

/** True for an {@link HttpProblem}, across package copies. */
export function isHttpProblem(error: unknown): error is HttpProblem {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true
}

/** 422 (or the route's `invalidStatus`): the request is well-formed but its input does not match the route's schema. */
export function inputProblem(issues: readonly InputIssue[], status: 400 | 422 = 422): HttpProblem {
  const first = issues[0]
  const where = first ? `${first.in}${first.path}` : 'input'
  return new HttpProblem({
    type: 'urn:acta:problem:invalid-input',
    status,
    title: 'Invalid input',
    detail: issues.length === 1 ? `${where}: ${first?.message}` : `${issues.length} problems, first ${where}`,
    errors: issues,
  })
}

/** What an error means for the client, and whether it is the service's fault (logged as an error). */
export interface MappedError {
  readonly problem: ProblemDetails
  readonly headers: Readonly<Record<string, string>>
  /** True for 5xx: the detail was withheld and the error must be logged with its stack. */
  readonly internal: boolean
}

/**
 * Maps anything thrown to a problem. ActaErrors by code; Fastify's own client errors (malformed
 * JSON, 413, 415, …) by their status; anything else is a 500 whose message is not shown.
 */
export function mapError(error: unknown, options: { ifMatch?: boolean } = {}): MappedError {
  if (isHttpProblem(error))
    return { problem: error.problem, headers: error.headers, internal: error.internal }
  if (isActaError(error)) {
    const precondition = error.code === 'CONCURRENCY' && options.ifMatch === true
    const status = precondition ? 412 : statusByCode[error.code]
    const internal = status >= 500
    const problem: Record<string, unknown> = {
      type: `urn:acta:problem:${error.code.toLowerCase()}`,
      title: precondition ? 'Precondition Failed' : titleOf(error.code),
      status,
      code: error.code,
    }
    if (!internal) {
      problem.detail = error.message
      for (const [key, value] of Object.entries(error.details)) if (!reserved.has(key)) problem[key] = value
    }
    const headers: Record<string, string> =
      precondition && typeof error.details.actualVersion === 'number'
        ? { etag: `"${error.details.actualVersion}"` }
        : {}
    return { problem: problem as unknown as ProblemDetails, headers, internal }
  }
  const status = clientStatus(error)
  if (status !== undefined) {
    const message = (error as Error).message
    return {
      problem: { type: 'about:blank', title: STATUS_CODES[status] ?? 'Bad Request', status, detail: message },
      headers: {},
      internal: false,
    }
  }
  if ((error as { code?: unknown } | null)?.code === 'FST_ERR_HANDLER_TIMEOUT') {
    return { problem: timeoutProblem().problem, headers: {}, internal: false }
  }
  return {
    problem: { type: 'about:blank', title: 'Internal Server Error', status: 500 },
    headers: {},
    internal: true,
  }
}

/** The problem of a refused command; with `ifMatch`, a CONCURRENCY refusal is 412 instead of 409. */
export function refusalProblem(error: unknown, ifMatch: boolean): HttpProblem {
  const mapped = mapError(error, { ifMatch })
  return new HttpProblem(mapped.problem, { ...mapped.headers }, { cause: error, internal: mapped.internal })
}

/** 503 for a handler that ran past the request time limit. */
export function timeoutProblem(): HttpProblem {
  return new HttpProblem({
    type: 'urn:acta:problem:request-timeout',
    status: 503,
    title: 'Request timed out',
    detail: 'The service did not answer within its time limit; try again later',
  })
}

function titleOf(code: ErrorCode): string {
  const title = STATUS_CODES[statusByCode[code]] ?? 'Error'
  return code === 'CONCURRENCY' ? 'Concurrency conflict' : title
}

/** A 4xx status carried by a Fastify (or other framework) error, or undefined. */
function clientStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const status = (error as { statusCode?: unknown }).statusCode
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined
}
