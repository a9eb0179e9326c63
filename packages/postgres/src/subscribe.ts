import { ChangeSignal } from '@acta/core'
import pg, { escapeIdentifier } from 'pg'
import type { ClientConfig } from 'pg'
import type { PostgresPool } from './pool.js'
import type { Tables } from './schema.js'

export interface ChangeFeedOptions {
  readonly pool: PostgresPool
  readonly tables: Tables
  /** Connection settings for the dedicated LISTEN client; undefined: no LISTEN, polling only. */
  readonly listenConfig: ClientConfig | undefined
  /** Poll interval while the LISTEN connection is down (bounded to 1 s). */
  readonly pollIntervalMs: number
}

/**
 * Wake-ups for subscribers. After an append commits the store sends `pg_notify` on its own, outside
 * the append's transaction: a transaction that notifies takes a cluster-wide lock through its commit,
 * which would serialize every append. Sends are coalesced: at most one in flight, at most one per
 * 5 ms while appends keep committing, and always one after the last commit. A dedicated client
 * LISTENs and bumps the {@link ChangeSignal}; wake-ups are hints, readers always re-read the log,
 * and the poll covers what a wake-up misses.
 */
export interface ChangeFeed {
  readonly changes: ChangeSignal
  /** Call after an append committed. */
  committed(): void
  /**
   * Reports a subscriber's read that came back short: when committed events were held back by an
   * older transaction, subscribers are woken again soon (10 ms, then 20, then every 25 ms).
   */
  caughtUp(heldBack: boolean): void
  /** Starts the LISTEN connection (idempotent). */
  listen(): void
  close(): Promise<void>
}

/** Shortest time between two NOTIFYs; the first after a quiet spell goes at once. */
const notifySpacingMs = 5
const minRetryMs = 10
/**
 * Longest wait before re-reading while events are held back. Any transaction on the server holds
 * the log back while it runs (a projection's own document transactions too, under steady load),
 * so a backoff that kept doubling would add hundreds of milliseconds of lag; a re-read is one
 * cheap indexed query.
 */
const maxRetryMs = 25
const minBackoffMs = 100
const maxBackoffMs = 10_000

export function changeFeed(options: ChangeFeedOptions): ChangeFeed {
  const { pool, tables: t, listenConfig } = options
  const changes = new ChangeSignal()
  const notifyQuery = {
    name: `${t.statementPrefix}notify`,
    text: `SELECT pg_notify($1, '')`,
    values: [t.channel],
  }
  const fallbackPollMs = Math.max(10, Math.min(options.pollIntervalMs, 1000))
  let closed = false
  let sending: Promise<void> | undefined
  let sendPending = false
  let notifyTimer: NodeJS.Timeout | undefined
  let lastSentAt = Number.NEGATIVE_INFINITY

  let listening = false
  let client: pg.Client | undefined
  let reconnectTimer: NodeJS.Timeout | undefined
  let fallbackTicker: NodeJS.Timeout | undefined
  let backoffMs = minBackoffMs
  let connecting: Promise<void> | undefined
  let retryTimer: NodeJS.Timeout | undefined
  let retryMs = minRetryMs

  // Leading edge at once, then at most one NOTIFY per spacing while appends keep committing, and
  // always one after the last commit.
  function schedule(): void {
    const wait = lastSentAt + notifySpacingMs - performance.now()
    if (wait <= 0) {
      sending = send()
      return
    }
    notifyTimer = setTimeout(() => {
      notifyTimer = undefined
      sending = send()
    }, wait)
  }

  async function send(): Promise<void> {
    sendPending = false
    lastSentAt = performance.now()
    // A lost NOTIFY costs latency only: subscribers poll.
    await pool.query(notifyQuery).catch(() => undefined)
    sending = undefined
    if (!sendPending) return
    // closing: the last one goes at once, so close() can wait for it
    if (closed) sending = send()
    else schedule()
  }

  function startFallback(): void {
    if (fallbackTicker || closed) return
    fallbackTicker = setInterval(() => changes.notify(), fallbackPollMs)
    fallbackTicker.unref()
  }

  function stopFallback(): void {
    if (fallbackTicker) clearInterval(fallbackTicker)
    fallbackTicker = undefined
  }

  function dropped(which: pg.Client): void {
    if (client !== which) return
    client = undefined
    which.removeAllListeners('notification')
    void which.end().catch(() => undefined)
    scheduleReconnect()
  }

  function scheduleReconnect(): void {
    if (closed || reconnectTimer) return
    startFallback()
    const delay = backoffMs * (0.5 + Math.random() / 2)
    backoffMs = Math.min(backoffMs * 2, maxBackoffMs)
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined
      connecting = connect()
    }, delay)
    reconnectTimer.unref()
  }

  async function connect(): Promise<void> {
    if (closed || !listenConfig) return
    const next = new pg.Client({ connectionTimeoutMillis: 10_000, ...listenConfig, keepAlive: true })
    next.on('error', () => dropped(next))
    next.on('end', () => dropped(next))
    next.on('notification', () => changes.notify())
    client = next
    try {
      await next.connect()
      await next.query(`LISTEN ${escapeIdentifier(t.channel)}`)
      if (closed || client !== next) return
      backoffMs = minBackoffMs
      stopFallback()
      // notifications sent while nobody listened are lost: make every subscriber re-read once
      changes.notify()
    } catch {
      dropped(next)
    }
  }

  return {
    changes,

    committed() {
      changes.notify()
      if (closed) return
      sendPending = true
      if (!sending && !notifyTimer) schedule()
    },

    caughtUp(heldBack) {
      if (!heldBack) {
        retryMs = minRetryMs
        return
      }
      if (retryTimer || closed) return
      retryTimer = setTimeout(() => {
        retryTimer = undefined
        changes.notify()
      }, retryMs)
      retryTimer.unref()
      retryMs = Math.min(retryMs * 2, maxRetryMs, fallbackPollMs)
    },

    listen() {
      if (listening || closed) return
      listening = true
      if (!listenConfig) return
      startFallback()
      connecting = connect()
    },

    async close() {
      closed = true
      stopFallback()
      if (retryTimer) clearTimeout(retryTimer)
      if (reconnectTimer) clearTimeout(reconnectTimer)
      reconnectTimer = undefined
      const last = client
      client = undefined
      if (notifyTimer) {
        clearTimeout(notifyTimer)
        notifyTimer = undefined
        sending = send()
      }
      await connecting
      await last?.end().catch(() => undefined)
      while (sending) await sending
      changes.notify()
    },
  }
}
