import type { EventStore } from '@acta/core'
import type { WebsocketConnection } from '@acta/service'
import { eventJson, matchesFilter, type LogFilter } from './event-json.js'
import { tokenMatches } from './admin-token.js'

/** How long a live-feed connection may take to send its token. */
export const authTimeoutMs = 5000

interface Feed {
  abort: AbortController
  authTimer: NodeJS.Timeout | undefined
}

/**
 * The live feed of the global log over a websocket. Browsers cannot set headers on a websocket, so
 * the first message authenticates: `{"token":"…","categories":[],"types":[]}`; a connection without
 * a valid token within 5 s is closed with 4401 before it sees anything. Then every new event
 * matching the filter is sent as `{"type":"event","event":{…}}`, in log order.
 */
export function liveFeed(store: EventStore, token: string) {
  const feeds = new Map<string, Feed>()
  return {
    open(connection: WebsocketConnection) {
      const feed: Feed = {
        abort: new AbortController(),
        authTimer: setTimeout(() => connection.close(4401, 'no token'), authTimeoutMs),
      }
      feeds.set(connection.id, feed)
    },
    async message(connection: WebsocketConnection, data: string | Buffer) {
      const feed = feeds.get(connection.id)
      if (!feed || feed.authTimer === undefined) return
      const hello = parseHello(data)
      if (!hello || !tokenMatches(token, hello.token)) {
        connection.close(4401, 'invalid token')
        return
      }
      clearTimeout(feed.authTimer)
      feed.authTimer = undefined
      const after = await store.headPosition()
      connection.send({ type: 'ready', headPosition: after })
      void follow(store, connection, hello.filter, after, feed.abort.signal)
    },
    close(connection: WebsocketConnection) {
      const feed = feeds.get(connection.id)
      if (!feed) return
      clearTimeout(feed.authTimer)
      feed.abort.abort()
      feeds.delete(connection.id)
    },
  }
}

async function follow(
  store: EventStore,
  connection: WebsocketConnection,
  filter: LogFilter,
  after: number,
  signal: AbortSignal,
): Promise<void> {
  try {
    for await (const event of store.subscribe({ after, signal })) {
      if (matchesFilter(event, filter)) connection.send({ type: 'event', event: eventJson(event) })
    }
  } catch {
    if (!signal.aborted) connection.close(1011, 'the live feed failed')
  }
}

function parseHello(data: string | Buffer): { token: string; filter: LogFilter } | undefined {
  try {
    const value = JSON.parse(typeof data === 'string' ? data : data.toString('utf8')) as unknown
    if (typeof value !== 'object' || value === null) return undefined
    const { token, categories, types } = value as Record<string, unknown>
    if (typeof token !== 'string') return undefined
    const strings = (list: unknown) =>
      Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : []
    return { token, filter: { categories: strings(categories), types: strings(types) } }
  } catch {
    return undefined
  }
}
