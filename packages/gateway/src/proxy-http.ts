import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Dispatcher } from 'undici'
import { forwardRequestHeaders, forwardResponseHeaders } from './forward-headers.js'
import { sendProblem } from './problem.js'
import type { Replica } from './replica.js'
import type { ServicePool } from './replica-set.js'

/** Settings of one proxied request. */
export interface ProxySettings {
  readonly requestTimeoutMs: number
  readonly bodyTimeoutMs: number
  /** True once the gateway is stopping: responses then close their connection. */
  readonly closing: () => boolean
}

/** Methods a request may be repeated with, on another replica, when a connection fails. */
const idempotent = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'])

/** Errors of the connection itself: the replica is taken out for a while. */
const connectionErrors = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
])

const clientGone = new Error('the client closed the connection')

/** Sends one request to a replica of `pool`, retrying on others while that is safe, and streams the answer. */
export function proxyHttp(
  req: IncomingMessage,
  res: ServerResponse,
  pool: ServicePool,
  settings: ProxySettings,
): void {
  new Exchange(req, res, pool, settings).attempt(pool.pick())
}

class Exchange {
  readonly forwarded
  readonly hasBody: boolean
  tried: Set<Replica> | undefined
  responseStarted = false
  current: Attempt | undefined
  gone = false

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly pool: ServicePool,
    readonly settings: ProxySettings,
  ) {
    this.forwarded = forwardRequestHeaders(req)
    const length = req.headers['content-length']
    this.hasBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined
    res.once('close', () => {
      if (res.writableFinished) return
      this.gone = true
      this.current?.abort()
    })
  }

  attempt(replica: Replica | undefined): void {
    if (replica === undefined) {
      const detail = this.tried
        ? `No replica of service "${this.pool.name}" could be reached (tried ${this.tried.size})`
        : `No replica of service "${this.pool.name}" is healthy`
      return this.problem(502, detail)
    }
    const attempt = new Attempt(this, replica)
    this.current = attempt
    replica.inFlight++
    replica.requests++
    try {
      replica.pool.dispatch(
        {
          path: this.req.url ?? '/',
          method: this.req.method ?? 'GET',
          headers: this.forwarded.headers,
          body: this.hasBody ? this.req : null,
          headersTimeout: this.settings.requestTimeoutMs,
          bodyTimeout: this.settings.bodyTimeoutMs,
        },
        attempt,
      )
    } catch (error) {
      attempt.onResponseError(undefined, error as Error)
    }
  }

  /** True when the request may go to another replica: idempotent and no body byte consumed yet. */
  retriable(): boolean {
    return idempotent.has(this.req.method ?? '') && (!this.hasBody || !this.req.readableDidRead)
  }

  failed(replica: Replica, error: Error): void {
    if (this.gone) return
    if (this.responseStarted) {
      this.res.destroy(error)
      return
    }
    const code = (error as { code?: unknown }).code
    if (code === 'UND_ERR_HEADERS_TIMEOUT') {
      return this.problem(
        504,
        `Service "${this.pool.name}" did not answer within ${this.settings.requestTimeoutMs} ms`,
      )
    }
    if (typeof code === 'string' && connectionErrors.has(code) && this.retriable()) {
      ;(this.tried ??= new Set()).add(replica)
      return this.attempt(this.pool.pick(this.tried))
    }
    this.problem(502, `Service "${this.pool.name}" failed: ${error.message}`)
  }

  problem(status: number, detail: string): void {
    const q = this.req.url?.indexOf('?') ?? -1
    const instance = q === -1 ? this.req.url : this.req.url?.slice(0, q)
    sendProblem(this.res, { status, detail, instance, correlationId: this.forwarded.correlationId })
  }
}

/** One try on one replica; undici calls it back as the request and its response progress. */
class Attempt implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined
  private finished = false
  private waitingForDrain = false

  constructor(
    private readonly exchange: Exchange,
    private readonly replica: Replica,
  ) {}

  abort(): void {
    this.controller?.abort(clientGone)
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.exchange.gone) controller.abort(clientGone)
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    if (statusCode < 200 || this.exchange.gone) return
    const { res, settings } = this.exchange
    this.exchange.responseStarted = true
    const out = forwardResponseHeaders(headers)
    if (settings.closing()) out.push('connection', 'close')
    res.writeHead(statusCode, statusMessage, out)
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const { res } = this.exchange
    if (this.exchange.gone || res.write(chunk) || this.waitingForDrain) return
    this.waitingForDrain = true
    controller.pause()
    res.once('drain', () => {
      this.waitingForDrain = false
      controller.resume()
    })
  }

  onResponseEnd(): void {
    if (this.finish() && !this.exchange.gone) this.exchange.res.end()
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (!this.finish()) return
    if (error !== clientGone) {
      const code = (error as { code?: unknown }).code
      if (!this.exchange.responseStarted && typeof code === 'string' && connectionErrors.has(code)) {
        this.replica.markDown(error)
      } else {
        this.replica.recordError(error)
      }
    }
    this.exchange.failed(this.replica, error)
  }

  private finish(): boolean {
    if (this.finished) return false
    this.finished = true
    this.replica.inFlight--
    return true
  }
}
