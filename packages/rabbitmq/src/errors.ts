import { ActaError } from '@acta/core'

/** AMQP reply codes that mean "this request can never succeed as made", not "the link broke". */
const refusals: Record<number, string> = {
  403: 'ACCESS_REFUSED',
  404: 'NOT_FOUND',
  405: 'RESOURCE_LOCKED',
  406: 'PRECONDITION_FAILED',
}

/** A channel error the broker raised because of what was asked (arguments clash, exclusive queue). */
export function refusal(error: unknown): ActaError | undefined {
  const code = (error as { code?: unknown } | undefined)?.code
  if (typeof code !== 'number' || !(code in refusals)) return undefined
  return new ActaError('CONFLICT', `RabbitMQ refused: ${(error as Error).message}`, {
    cause: error,
    details: { replyCode: code, replyText: refusals[code] },
  })
}

export function unavailable(message: string, cause?: unknown): ActaError {
  return new ActaError('UNAVAILABLE', message, { cause })
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
