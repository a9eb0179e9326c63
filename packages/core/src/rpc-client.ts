import { ActaError, isActaError } from './errors.js'
import { uuidv7 } from './ids.js'
import { backoffMs } from './transport-helpers.js'
import type { IncomingMessage, OutgoingMessage, Transport } from './transport.js'

export type BreakerState = 'closed' | 'open' | 'half-open'

export interface RpcClientOptions {
  transport: Transport
  /** Per call, unless the call says otherwise. Default 5000 ms. */
  timeoutMs?: number
  /** Extra tries for calls marked idempotent, after a timeout or an unavailable target. Default 2. */
  retries?: number
  /** First backoff between tries; doubles each time. Default 100 ms. */
  retryDelayMs?: number
  /** Consecutive infrastructure failures that open a service's circuit (default 5), and how long it stays open (default 5000 ms). */
  breaker?: { failureThreshold?: number; openMs?: number }
}

export interface CallOptions {
  /** Safe to send twice: only such calls are retried. The retries reuse one messageId. */
  idempotent?: boolean
  timeoutMs?: number
  retries?: number
}

export interface RpcClient {
  call(service: string, message: OutgoingMessage, options?: CallOptions): Promise<IncomingMessage>
  breakerState(service: string): BreakerState
}

interface Breaker {
  state: BreakerState
  failures: number
  openedAt: number
  probing: boolean
}

const infrastructure = (error: unknown) =>
  isActaError(error) && (error.code === 'TIMEOUT' || error.code === 'UNAVAILABLE')

/**
 * Request/reply with policies: a timeout per call, retries with backoff only for idempotent calls,
 * and a circuit breaker per target service that fails fast while the target is down and lets one
 * probe through after `openMs` to close it again. Refusals from the service (any other ActaError)
 * are answers, not failures: they neither trip the breaker nor get retried.
 *
 * @example
 * const rpc = rpcClient({ transport })
 * const reply = await rpc.call('user-read', { type: 'GetUser', data: { id } }, { idempotent: true })
 */
export function rpcClient(options: RpcClientOptions): RpcClient {
  const breakers = new Map<string, Breaker>()
  const threshold = options.breaker?.failureThreshold ?? 5
  const openMs = options.breaker?.openMs ?? 5000
  const breaker = (service: string): Breaker => {
    let b = breakers.get(service)
    if (!b) {
      b = { state: 'closed', failures: 0, openedAt: 0, probing: false }
      breakers.set(service, b)
    }
    if (b.state === 'open' && Date.now() - b.openedAt >= openMs) b.state = 'half-open'
    return b
  }

  const attempt = async (service: string, message: OutgoingMessage, timeoutMs: number) => {
    const b = breaker(service)
    if (b.state === 'open' || (b.state === 'half-open' && b.probing)) {
      throw new ActaError('UNAVAILABLE', `Circuit open for ${service}: failing fast`, {
        details: { service },
      })
    }
    const probe = b.state === 'half-open'
    if (probe) b.probing = true
    try {
      const reply = await options.transport.request(service, message, { timeoutMs })
      b.state = 'closed'
      b.failures = 0
      return reply
    } catch (error) {
      if (infrastructure(error)) {
        b.failures++
        if (probe || b.failures >= threshold) {
          b.state = 'open'
          b.openedAt = Date.now()
        }
      } else {
        b.state = 'closed'
        b.failures = 0
      }
      throw error
    } finally {
      if (probe) b.probing = false
    }
  }

  return {
    async call(service, message, callOptions = {}) {
      const timeoutMs = callOptions.timeoutMs ?? options.timeoutMs ?? 5000
      const retries = callOptions.idempotent ? (callOptions.retries ?? options.retries ?? 2) : 0
      const stable = {
        ...message,
        headers: { ...message.headers, messageId: message.headers?.messageId ?? uuidv7() },
      }
      for (let tryNo = 0; ; tryNo++) {
        try {
          return await attempt(service, stable, timeoutMs)
        } catch (error) {
          if (tryNo >= retries || !infrastructure(error) || breaker(service).state === 'open') throw error
          await new Promise((resolve) =>
            setTimeout(resolve, backoffMs(options.retryDelayMs ?? 100, tryNo + 1)),
          )
        }
      }
    },
    breakerState: (service) => breaker(service).state,
  }
}
