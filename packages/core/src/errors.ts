/**
 * Stable error codes. Guards compare codes, never classes, so they keep working when two copies
 * of `@acta/core` end up in one dependency tree.
 */
export type ErrorCode =
  | 'CONCURRENCY'
  | 'IDEMPOTENCY'
  | 'NOT_FOUND'
  | 'VALIDATION'
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'UNAUTHORIZED'
  | 'TIMEOUT'
  | 'UNAVAILABLE'
  | 'INTERNAL'

const brand: unique symbol = Symbol.for('acta.error') as never

/**
 * Base of every error Acta raises on purpose.
 *
 * @example
 * throw new ActaError('CONFLICT', 'Only an open todo can be marked as done', { details: { todoId } })
 */
export class ActaError extends Error {
  declare readonly [brand]: true
  readonly code: ErrorCode
  readonly details: Readonly<Record<string, unknown>>

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ActaError'
    this.code = code
    this.details = Object.freeze({ ...options.details })
    Object.defineProperty(this, brand, { value: true })
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, details: this.details }
  }
}

/** The stream moved on: the caller expected one version and the store holds another. */
export class ConcurrencyError extends ActaError {
  readonly streamId: string
  readonly expectedVersion: ExpectedVersionLike
  /** The stream's version when the append was refused: 0 when the stream does not exist. */
  readonly actualVersion: number

  constructor(
    streamId: string,
    expectedVersion: ExpectedVersionLike,
    actualVersion: number,
    cause?: unknown,
  ) {
    super(
      'CONCURRENCY',
      `Stream "${streamId}" is at version ${actualVersion}, expected ${String(expectedVersion)}`,
      { cause, details: { streamId, expectedVersion, actualVersion } },
    )
    this.name = 'ConcurrencyError'
    this.streamId = streamId
    this.expectedVersion = expectedVersion
    this.actualVersion = actualVersion
  }
}

type ExpectedVersionLike = 'any' | 'no-stream' | 'stream-exists' | number

/** Input that can never succeed as given: fix the input, do not retry. */
export class ValidationError extends ActaError {
  constructor(message: string, details?: Record<string, unknown>, cause?: unknown) {
    super('VALIDATION', message, { details, cause })
    this.name = 'ValidationError'
  }
}

export class NotFoundError extends ActaError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('NOT_FOUND', message, { details })
    this.name = 'NotFoundError'
  }
}

/** True when `error` is an {@link ActaError}, optionally of the given code. Works across package copies. */
export function isActaError(error: unknown, code?: ErrorCode): error is ActaError {
  if (typeof error !== 'object' || error === null) return false
  if ((error as Record<symbol, unknown>)[brand] !== true) return false
  return code === undefined || (error as { code?: unknown }).code === code
}

export function isConcurrencyError(error: unknown): error is ConcurrencyError {
  return isActaError(error, 'CONCURRENCY')
}
