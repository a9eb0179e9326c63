import { ActaError } from '@acta/core'
import type { FastifyReply } from 'fastify'

/** One request being handled. */
export interface InflightRequest {
  readonly startedAt: number
  readonly reply: FastifyReply
  controller: AbortController | undefined
  /** Neighbours in the list of in-flight requests, oldest first. */
  previous: InflightRequest | undefined
  next: InflightRequest | undefined
  active: boolean
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
  stop(): void
}

/**
 * Tracks in-flight requests in a list, oldest first (linking costs less than a Set on every request).
 * One sweep, not one timer per request, enforces the time limit: it runs every quarter of the limit
 * (at most every second), so a request may overrun by that much.
 */
export function inflightRequests(options: {
  timeoutMs: number
  onTimeout: (request: InflightRequest) => void
}): InflightRequests {
  let oldest: InflightRequest | undefined
  let newest: InflightRequest | undefined
  let size = 0
  const unlink = (request: InflightRequest): boolean => {
    if (!request.active) return false
    request.active = false
    if (request.previous) request.previous.next = request.next
    else oldest = request.next
    if (request.next) request.next.previous = request.previous
    else newest = request.previous
    request.previous = request.next = undefined
    size--
    return true
  }
  const period = Math.min(1000, Math.max(5, Math.floor(options.timeoutMs / 4)))
  const sweep = setInterval(() => {
    const now = performance.now()
    while (oldest && now - oldest.startedAt >= options.timeoutMs) {
      const request = oldest
      unlink(request)
      request.controller?.abort(new ActaError('TIMEOUT', 'The request ran out of time'))
      options.onTimeout(request)
    }
  }, period)
  sweep.unref()

  return {
    get size() {
      return size
    },
    start(reply) {
      const request: InflightRequest = {
        startedAt: performance.now(),
        reply,
        controller: undefined,
        previous: newest,
        next: undefined,
        active: true,
      }
      if (newest) newest.next = request
      else oldest = request
      newest = request
      size++
      return request
    },
    finish(request) {
      unlink(request)
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
      for (let request = oldest; request; request = request.next) request.controller?.abort(reason)
    },
    stop() {
      clearInterval(sweep)
    },
  }
}
