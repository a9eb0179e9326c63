import type { IncomingMessage } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { forwardRequestHeaders } from './forward-headers.js'
import { writeRawProblem } from './problem.js'
import type { Replica } from './replica.js'
import type { ServicePool } from './replica-set.js'

/** How long a closing tunnel may take to flush what it still holds. */
const flushTimeoutMs = 5000

/** Settings of one proxied upgrade. */
export interface UpgradeSettings {
  readonly connectTimeoutMs: number
  /** Called with every tunnel once it is open, so that stopping the gateway can close it. */
  readonly track: (tunnel: Duplex) => void
}

/**
 * Proxies an upgrade (WebSocket) by piping raw bytes: the request head goes to a replica, and
 * from then on whatever either side sends — the replica's `101`, frames, close frames — is passed
 * through untouched. When either side closes, so does the other. A replica that refuses the
 * connection is taken out and the next one is tried; nothing has reached the client yet then.
 */
export function proxyUpgrade(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  pool: ServicePool,
  settings: UpgradeSettings,
): void {
  const { headers, correlationId } = forwardRequestHeaders(req, true)
  let requestHead = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n`
  for (let i = 0; i < headers.length; i += 2) requestHead += `${headers[i]!}: ${headers[i + 1]!}\r\n`
  requestHead += '\r\n'

  let clientClosed = false
  client.on('error', () => client.destroy())
  client.once('close', () => (clientClosed = true))
  const tried = new Set<Replica>()

  const attempt = (replica: Replica | undefined): void => {
    if (clientClosed) return
    if (replica === undefined) {
      const detail = tried.size > 0 ? `could be reached (tried ${tried.size})` : 'is healthy'
      return writeRawProblem(client, {
        status: 502,
        detail: `No replica of service "${pool.name}" ${detail}`,
        instance: req.url?.split('?')[0],
        correlationId,
      })
    }
    tried.add(replica)
    replica.requests++
    const upstream = connect({ host: replica.hostname, port: replica.port })
    upstream.setTimeout(settings.connectTimeoutMs, () =>
      upstream.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })),
    )
    upstream.once('error', (error) => {
      replica.markDown(error)
      attempt(pool.pick(tried))
    })
    upstream.once('connect', () => {
      upstream.removeAllListeners('error')
      upstream.setTimeout(0)
      upstream.setNoDelay(true)
      if (clientClosed) return void upstream.destroy()
      upstream.write(requestHead)
      if (head.length > 0) upstream.write(head)
      tunnel(client, upstream, replica)
      settings.track(client)
    })
  }
  attempt(pool.pick())
}

function tunnel(client: Duplex, upstream: Socket, replica: Replica): void {
  replica.websockets++
  upstream.on('error', (error) => {
    replica.recordError(error)
    client.destroy()
  })
  client.on('error', () => upstream.destroy())
  upstream.once('close', () => {
    replica.websockets--
    closeSoon(client)
  })
  client.once('close', () => closeSoon(upstream))
  upstream.pipe(client)
  client.pipe(upstream)
}

/** Ends a socket, letting what is already written (a close frame) reach the peer, then destroys it. */
function closeSoon(socket: Duplex): void {
  if (socket.destroyed) return
  socket.end()
  if (socket.writableFinished) return void socket.destroy()
  const timer = setTimeout(() => socket.destroy(), flushTimeoutMs)
  timer.unref()
  socket.once('finish', () => {
    clearTimeout(timer)
    socket.destroy()
  })
}
