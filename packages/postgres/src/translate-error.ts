import { ActaError, ValidationError, isActaError } from '@acta/core'

const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

const connectionMessages = [
  'Connection terminated',
  'connection error',
  'not queryable',
  'timeout exceeded when trying to connect',
  'Cannot use a pool after calling end',
  'Client was closed',
]

/** The SQLSTATE of an error the server sent (node-postgres's DatabaseError carries a severity), if it is one. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('severity' in error)) return undefined
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/**
 * Maps a node-postgres or PostgreSQL error to an {@link ActaError} with a stable code, keeping the
 * original as `cause`. ActaErrors pass through unchanged.
 */
export function translateError(error: unknown, details: Record<string, unknown> = {}): ActaError {
  if (isActaError(error)) return error
  const message = error instanceof Error ? error.message : String(error)
  const state = sqlState(error)
  if (state !== undefined) {
    const withState = { ...details, sqlState: state }
    // 22P02 invalid text representation, 22P05 untranslatable character (e.g. a lone surrogate in JSON)
    if (state === '22P02' || state === '22P05' || state === '22021' || state === '54000') {
      return new ValidationError(`PostgreSQL refused the value: ${message}`, withState, error)
    }
    if (state === '40001' || state === '40P01') {
      return new ActaError('CONFLICT', `PostgreSQL aborted the transaction, retry it: ${message}`, {
        cause: error,
        details: withState,
      })
    }
    if (state === '57014')
      return new ActaError('TIMEOUT', `PostgreSQL cancelled the statement: ${message}`, {
        cause: error,
        details: withState,
      })
    // 08 connection exception, 53 insufficient resources, 57P0x shutdown / cannot connect now, 28 auth, 3D000 no database
    if (/^(08|53|57P|28)/.test(state) || state === '3D000') {
      return new ActaError('UNAVAILABLE', `PostgreSQL is unavailable: ${message}`, {
        cause: error,
        details: withState,
      })
    }
    return new ActaError('INTERNAL', `PostgreSQL error ${state}: ${message}`, {
      cause: error,
      details: withState,
    })
  }
  const code = (error as { code?: unknown } | null)?.code
  if (
    (typeof code === 'string' && connectionCodes.has(code)) ||
    connectionMessages.some((m) => message.includes(m))
  ) {
    return new ActaError('UNAVAILABLE', `PostgreSQL is unavailable: ${message}`, { cause: error, details })
  }
  return new ActaError('INTERNAL', `PostgreSQL driver error: ${message}`, { cause: error, details })
}
