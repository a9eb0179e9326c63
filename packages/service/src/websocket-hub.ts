import type { IncomingHttpHeaders } from 'node:http'
import type { WebSocket } from 'ws'
import type { QueryValues, WebsocketConnection } from './routes.js'

/** A connection falling this far behind (bytes queued) is closed instead of buffering without end. */
const maxBufferedBytes = 4 * 1024 * 1024

/** The open websocket connections of a service, by route path. */
export interface WebsocketHub {
  connect(
    socket: WebSocket,
    route: { path: string; id: string; params: unknown; query: unknown; headers: IncomingHttpHeaders },
  ): WebsocketConnection
  disconnect(connection: WebsocketConnection): void
  broadcast(path: string, data: unknown, except?: string): number
  readonly size: number
  /** Closes every connection with `code` and waits (up to `timeoutMs`) for them to go. */
  closeAll(code: number, reason: string, timeoutMs: number): Promise<void>
}

/** Serializes a frame: strings and Buffers as they are, anything else as JSON. */
export function frame(data: unknown): string | Buffer {
  return typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data)
}

/** Keeps the open connections per path, for `broadcast` and for closing them on shutdown. */
export function websocketHub(): WebsocketHub {
  type Entry = { connection: WebsocketConnection; socket: WebSocket }
  const byPath = new Map<string, Map<string, Entry>>()
  let size = 0

  const sendFrame = (socket: WebSocket, payload: string | Buffer): boolean => {
    if (socket.readyState !== socket.OPEN) return false
    if (socket.bufferedAmount > maxBufferedBytes) {
      socket.close(1013, 'Too far behind')
      return false
    }
    socket.send(payload)
    return true
  }

  return {
    get size() {
      return size
    },
    connect(socket, route) {
      const connection: WebsocketConnection = {
        id: route.id,
        path: route.path,
        params: route.params as WebsocketConnection['params'],
        query: route.query as QueryValues,
        headers: route.headers,
        send: (data) => void sendFrame(socket, frame(data)),
        close: (code, reason) => socket.close(code, reason),
      }
      let connections = byPath.get(route.path)
      if (!connections) byPath.set(route.path, (connections = new Map<string, Entry>()))
      connections.set(route.id, { connection, socket })
      size++
      return connection
    },
    disconnect(connection) {
      if (byPath.get(connection.path)?.delete(connection.id)) size--
    },
    broadcast(path, data, except) {
      const connections = byPath.get(path)
      if (!connections || connections.size === 0) return 0
      const payload = frame(data)
      let sent = 0
      for (const [id, { socket }] of connections) if (id !== except && sendFrame(socket, payload)) sent++
      return sent
    },
    async closeAll(code, reason, timeoutMs) {
      const closing: Promise<void>[] = []
      for (const connections of byPath.values())
        for (const { socket } of connections.values()) {
          if (socket.readyState === socket.CLOSED) continue
          closing.push(new Promise((resolve) => socket.once('close', () => resolve())))
          socket.close(code, reason)
        }
      if (closing.length === 0) return
      let timer: ReturnType<typeof setTimeout> | undefined
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))
      await Promise.race([Promise.all(closing), deadline])
      clearTimeout(timer)
      for (const connections of byPath.values())
        for (const { socket } of connections.values())
          if (socket.readyState !== socket.CLOSED) socket.terminate()
    },
  }
}
