import { ActaError } from '@acta/core'
import type { FastifyReply } from 'fastify'

/** One request being handled. */
export interface InflightRequest {
  readonly startedAt: number
  readonly reply: FastifyReply
  controller: AbortController | undefined
}

/** Requests being handled, their time limit and their abort signals. */
export interface InflightRequests {
  readonly size: number
  start(reply: FastifyReply): InflightRequest
  finish(request: InflightRequest): void
  /** The request's signal, made on first use: aborted when the client goes away or time runs out. */
  signalOf(request: InflightRequest): AbortSignal
  /** Aborts every in-flight request's signal (forced shutdown). */
  abortAll(reason: unknown): void
  /** Resolves once no request is in flight. */
  drained(): Promise<void>
  stop(): void
}

/**
 * Tracks in-flight requests. One sweep, not one timer per request, enforces the time limit: it runs
 * every quarter of the limit (at most every second), so a request may overrun by that much.
 */
export function inflightRequests(options: {
  timeoutMs: number
  onTimeout: (request: InflightRequest) => void
}): InflightRequests {
  const active = new Set<InflightRequest>()
  let waiters: (() => void)[] = []
  const period = Math.min(1000, Math.max(5, Math.floor(options.timeoutMs / 4)))
  const sweep = setInterval(() => {
    const now = performance.now()
    // insertion order is start order: stop at the first request still within its limit
    for (const request of active) {
      if (now - request.startedAt < options.timeoutMs) break
      active.delete(request)
      request.controller?.abort(new ActaError('TIMEOUT', 'The request ran out of time'))
      options.onTimeout(request)
    }
    settle()
  }, period)
  sweep.unref()

  function settle(): void {
    if (active.size > 0 || waiters.length === 0) return
    const done = waiters
    waiters = []
    for (const resolve of done) resolve()
  }

  return {
    get size() {
      return active.size
    },
    start(reply) {
      const request: InflightRequest = { startedAt: performance.now(), reply, controller: undefined }
      active.add(request)
      return request
    },
    finish(request) {
      if (active.delete(request) && waiters.length > 0) settle()
    },
    signalOf(request) {
      if (request.controller) return request.controller.signal
      const controller = new AbortController()
      request.controller = controller
      const response = request.reply.raw
      if (response.writableFinished) return controller.signal
      if (response.destroyed) controller.abort(new ActaError('UNAVAILABLE', 'The client went away'))
      else
        response.once('close', () => {
          if (!response.writableFinished)
            controller.abort(new ActaError('UNAVAILABLE', 'The client went away'))
        })
      return controller.signal
    },
    abortAll(reason) {
      for (const request of active) request.controller?.abort(reason)
    },
    drained() {
      if (active.size === 0) return Promise.resolve()
      return new Promise((resolve) => waiters.push(resolve))
    },
    stop() {
      clearInterval(sweep)
    },
  }
}
