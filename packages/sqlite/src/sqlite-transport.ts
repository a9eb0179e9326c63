import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { Database as SqliteDatabase } from 'better-sqlite3'
import {
  ActaError,
  ValidationError,
  assertName,
  errorReply,
  groupQueue,
  normalizeConsumeOptions,
  prepareOutgoing,
  replyError,
  rpcQueue,
  topicMatcher,
  uuidv7,
} from '@acta/core'
import type {
  ConsumeOptions,
  Consumer,
  DeadLetter,
  IncomingMessage,
  MessageHeaders,
  OutgoingMessage,
  Prepared,
  Transport,
} from '@acta/core'
import { configureConnection } from './schema.js'
import { CrossProcessSignal } from './subscribe.js'
import { Dispatcher } from './transport-dispatcher.js'
import type { Handle } from './transport-dispatcher.js'
import { immediateTransactions, queueTables } from './transport-queue.js'
import type { DeadLetterRow, NewMessageRow } from './transport-queue.js'
import { routing } from './transport-routing.js'
import { migrateTransport } from './transport-schema.js'

export interface SqliteTransportOptions {
  /**
   * Database file, created with its parent directory if missing. Defaults to `.acta/transport.db`,
   * a file of its own so that the transport's churn neither takes the event store's write lock nor
   * wakes its subscribers; the event store's file works too (the tables do not collide).
   */
  path?: string
  /** A better-sqlite3 connection the caller already has; `close()` then leaves it open. */
  database?: SqliteDatabase
  /** `'NORMAL'` (default): a send survives a process crash, not a power cut. `'FULL'`: fsync per commit. */
  synchronous?: 'NORMAL' | 'FULL'
  /** How long a write waits for another process's write lock before failing with 'UNAVAILABLE'. Defaults to 5000. */
  busyTimeoutMs?: number
  /** Period of the check for commits by other processes while consumers wait. Defaults to 5. */
  pollIntervalMs?: number
  /**
   * Lease of a claimed message, renewed every third of it while its handler runs. A message whose
   * consumer died is redelivered once its lease runs out; a transport whose heartbeat is older than
   * this is considered dead and its anonymous broadcast queues are removed. Defaults to 10000.
   */
  visibilityTimeoutMs?: number
  /** Background failures (a write that stayed locked past the busy timeout, a full disk). Defaults to console.error. */
  onError?: (error: unknown) => void
}

export const defaultTransportPath = '.acta/transport.db'

interface Waiter {
  readonly resolve: (reply: IncomingMessage) => void
  readonly reject: (error: unknown) => void
  readonly timer: NodeJS.Timeout
}

interface PendingWrite {
  /** Runs inside the batch's transaction; returns the queues it made messages ready in. */
  readonly run: (now: number) => Iterable<string>
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/**
 * A transport between the processes of one machine, through one SQLite file: no server to run.
 * Queues are rows; a consumer claims rows under a lease, acknowledges by deleting them and is woken
 * by other processes' commits through the same signal as the event store's subscribers.
 *
 * @example
 * const transport = sqliteTransport() // .acta/transport.db
 * await transport.consume('todo-write', async (m) => handle(m))
 * await transport.send('todo-write', { type: 'PostTodo', data: { text: 'x' } }) // from any process
 */
export function sqliteTransport(options: SqliteTransportOptions = {}): Transport {
  const {
    synchronous = 'NORMAL',
    busyTimeoutMs = 5000,
    pollIntervalMs = 5,
    visibilityTimeoutMs = 10_000,
    onError = (error: unknown) => console.error('[acta] sqliteTransport:', error),
  } = options
  validateOptions(options, { synchronous, busyTimeoutMs, pollIntervalMs, visibilityTimeoutMs })
  const ownsDatabase = options.database === undefined
  const db = options.database ?? openFile(options.path ?? defaultTransportPath, busyTimeoutMs)
  try {
    configureConnection(db, { synchronous, busyTimeoutMs })
    migrateTransport(db)
  } catch (error) {
    if (ownsDatabase) db.close()
    throw error
  }

  const owner = uuidv7()
  const tables = queueTables(db)
  const routes = routing(db)
  const write = immediateTransactions(db)
  const signal = new CrossProcessSignal(db, pollIntervalMs)
  const dispatcher = new Dispatcher({ tables, signal, write, owner, visibilityTimeoutMs, onError })
  /** Queues that live as long as this transport, with their topic patterns. */
  const owned = new Map<string, readonly string[]>()
  const consumers = new Set<Consumer>()
  const waiting = new Map<string, Waiter>()
  let replyQueue: Promise<string> | undefined
  let pendingWrites: PendingWrite[] = []
  let closed = false
  let closing: Promise<void> | undefined

  const assertOpen = (): void => {
    if (closed) throw new ActaError('UNAVAILABLE', 'The transport is closed')
  }

  // Sends and publishes of one turn share a transaction; each resolves once it is committed.
  const flushWrites = (): void => {
    const batch = pendingWrites
    pendingWrites = []
    if (batch.length === 0) return
    const touched = new Set<string>()
    try {
      write(() => {
        const now = Date.now()
        for (const pending of batch) for (const queue of pending.run(now)) touched.add(queue)
      })
    } catch (error) {
      for (const pending of batch) pending.reject(error)
      return
    }
    dispatcher.touch(touched)
    for (const pending of batch) pending.resolve()
  }
  const enqueueWrite = (run: PendingWrite['run']): Promise<void> =>
    new Promise((resolve, reject) => {
      if (pendingWrites.push({ run, resolve, reject }) === 1) queueMicrotask(flushWrites)
    })

  const dropOwned = (queue: string): void => {
    owned.delete(queue)
    if (db.open) write(() => routes.drop(queue))
  }

  const startConsumer = (
    queue: string,
    handle: Handle,
    consumeOptions: Required<ConsumeOptions>,
    onClose?: () => void,
  ): Consumer => {
    const worker = dispatcher.add(queue, handle, consumeOptions)
    let stopping: Promise<void> | undefined
    const consumer: Consumer = {
      close: () =>
        (stopping ??= (async () => {
          await dispatcher.remove(worker)
          consumers.delete(consumer)
          onClose?.()
        })()),
    }
    consumers.add(consumer)
    return consumer
  }

  const replies = (): Promise<string> =>
    (replyQueue ??= (async () => {
      const queue = `reply.${owner}`
      await enqueueWrite((now) => {
        routes.own(queue, owner, now)
        return []
      })
      owned.set(queue, [])
      startConsumer(queue, settleReply, { concurrency: 100, maxAttempts: 1, retryDelayMs: 0 })
      return queue
    })().catch((error: unknown) => {
      replyQueue = undefined
      throw error
    }))

  const settleReply: Handle = ({ message }) => {
    const requestId = message.headers.causationId
    const waiter = requestId === undefined ? undefined : waiting.get(requestId)
    if (!waiter || requestId === undefined) return undefined // its request timed out
    waiting.delete(requestId)
    clearTimeout(waiter.timer)
    waiter.resolve(message)
    return undefined
  }

  // Leases of running handlers, this transport's heartbeat, and the removal of what dead transports
  // and stale requests left behind; a write only when one of them has work.
  const maintain = (): void => {
    if (closed) return
    const now = Date.now()
    const staleBefore = now - visibilityTimeoutMs
    try {
      const beat = owned.size > 0
      if (!beat && dispatcher.inFlight === 0 && !routes.anyStale(staleBefore) && !tables.anyExpired(now)) {
        return
      }
      const reaped = write(() => {
        dispatcher.renewLeases(now + visibilityTimeoutMs)
        const alive = !beat || routes.heartbeat(owner, now)
        if (!alive) {
          for (const [queue, patterns] of owned) {
            routes.own(queue, owner, now)
            for (const pattern of patterns) routes.bind(pattern, queue)
          }
        }
        routes.reap(staleBefore)
        tables.deleteExpired(now)
        return !alive
      })
      if (reaped) {
        onError(
          new ActaError(
            'UNAVAILABLE',
            `This transport missed its heartbeats for over ${visibilityTimeoutMs} ms (a blocked event loop?), so another process removed its broadcast queues; they are bound again, but what was published meanwhile is lost to them`,
          ),
        )
      }
    } catch (error) {
      onError(error)
    }
  }
  const maintenance = setInterval(maintain, Math.max(1, Math.floor(visibilityTimeoutMs / 3)))
  maintenance.unref()

  return {
    async send(queue: string, message: OutgoingMessage) {
      assertOpen()
      assertName(queue, 'queue')
      const row = toRow(prepareOutgoing(message), queue, queue)
      return enqueueWrite((now) => {
        tables.insert(row, now)
        return [queue]
      })
    },

    async consume(queue, handler, consumeOptions) {
      assertOpen()
      assertName(queue, 'queue')
      const normalized = normalizeConsumeOptions(consumeOptions)
      return startConsumer(queue, async ({ message }) => void (await handler(message)), normalized)
    },

    async publish(topic: string, message: OutgoingMessage) {
      assertOpen()
      assertName(topic, 'topic')
      const prepared = prepareOutgoing(message)
      const headers = JSON.stringify(prepared.headers)
      return enqueueWrite((now) => {
        const queues = routes.route(topic)
        for (const queue of queues) {
          tables.insert({ queue, type: prepared.type, headers, data: prepared.body, source: topic }, now)
        }
        return queues
      })
    },

    async subscribe(topics, handler, subscribeOptions = {}) {
      assertOpen()
      if (!isList(topics) || topics.length === 0) {
        throw new ValidationError('Subscribe to at least one topic pattern')
      }
      const patterns = [...new Set(topics)]
      for (const pattern of patterns) topicMatcher(pattern)
      const normalized = normalizeConsumeOptions(subscribeOptions)
      const queue = groupQueue(subscribeOptions)
      const transient = subscribeOptions.group === undefined && subscribeOptions.subscriberId === undefined
      await enqueueWrite((now) => {
        if (transient) routes.own(queue, owner, now)
        for (const pattern of patterns) routes.bind(pattern, queue)
        return []
      })
      if (transient) owned.set(queue, patterns)
      return startConsumer(
        queue,
        async ({ message }) => void (await handler(message)),
        normalized,
        transient ? () => dropOwned(queue) : undefined,
      )
    },

    async request(service, message, requestOptions = {}) {
      assertOpen()
      assertName(service, 'service')
      const timeoutMs = requestOptions.timeoutMs ?? 5000
      if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
        throw new ValidationError('timeoutMs must be a positive number', { timeoutMs })
      }
      const prepared = prepareOutgoing({
        ...message,
        headers: { ...message.headers, ...requestOptions.headers },
      })
      const replyTo = await replies()
      const requestId = prepared.headers.messageId
      const reply = new Promise<IncomingMessage>((resolve, reject) => {
        const timer = setTimeout(() => {
          if (!waiting.delete(requestId)) return
          reject(
            new ActaError('TIMEOUT', `No reply from ${service} within ${timeoutMs} ms`, {
              details: { service },
            }),
          )
        }, timeoutMs)
        waiting.set(requestId, { resolve, reject, timer })
      })
      reply.catch(() => undefined) // awaited below, once the request is enqueued
      const queue = rpcQueue(service)
      const row = { ...toRow(prepared, queue, service), replyTo, expiresAt: Date.now() + timeoutMs }
      try {
        await enqueueWrite((now) => {
          tables.insert(row, now)
          return [queue]
        })
      } catch (error) {
        clearTimeout(waiting.get(requestId)?.timer)
        waiting.delete(requestId)
        throw error
      }
      const incoming = await reply
      const failure = replyError(incoming)
      if (failure) throw failure
      return incoming
    },

    async respond(service, handler, consumeOptions) {
      assertOpen()
      assertName(service, 'service')
      const normalized = normalizeConsumeOptions({ maxAttempts: 1, ...consumeOptions })
      return startConsumer(
        rpcQueue(service),
        async ({ message, replyTo, expiresAt }) => {
          let reply: OutgoingMessage
          try {
            reply = { type: `${message.type}.reply`, data: (await handler(message)) ?? null }
          } catch (error) {
            reply = errorReply(message, error)
          }
          if (replyTo === undefined) return undefined // sent, not requested: nobody waits
          const { correlationId, messageId } = message.headers
          const headers: Partial<MessageHeaders> = { correlationId, causationId: messageId }
          let prepared: Prepared
          try {
            prepared = prepareOutgoing({ ...reply, headers: { ...reply.headers, ...headers } })
          } catch (error) {
            const failed = errorReply(message, error) // e.g. a reply that is not JSON
            prepared = prepareOutgoing({ ...failed, headers: { ...failed.headers, ...headers } })
          }
          return { ...toRow(prepared, replyTo, service), expiresAt }
        },
        normalized,
      )
    },

    async listDeadLetters(queue?: string) {
      assertOpen()
      return tables.listDeadLetters(queue).map(toDeadLetter)
    },

    async replayDeadLetters(ids: readonly string[]) {
      assertOpen()
      if (!isList(ids) || ids.some((id) => typeof id !== 'string')) {
        throw new ValidationError('replayDeadLetters takes an array of dead-letter ids')
      }
      const queues: string[] = []
      await enqueueWrite((now) => {
        for (const id of new Set(ids)) {
          const queue = tables.replay(id, now)
          if (queue !== undefined) queues.push(queue)
        }
        return queues
      })
      return queues.length
    },

    close() {
      return (closing ??= (async () => {
        closed = true
        flushWrites()
        await Promise.all([...consumers].map((consumer) => consumer.close()))
        for (const waiter of waiting.values()) {
          clearTimeout(waiter.timer)
          waiter.reject(new ActaError('UNAVAILABLE', 'The transport closed'))
        }
        waiting.clear()
        dispatcher.stop()
        clearInterval(maintenance)
        try {
          write(() => routes.release(owner))
        } catch (error) {
          onError(error) // what this transport owned is reaped once its heartbeat is stale
        }
        signal.close()
        if (ownsDatabase) db.close()
      })())
    },
  }
}

/** Array.isArray without narrowing a typed list to `any[]`: only untyped callers pass something else. */
function isList(value: unknown): boolean {
  return Array.isArray(value)
}

function toRow(prepared: Prepared, queue: string, source: string): NewMessageRow {
  return {
    queue,
    type: prepared.type,
    headers: JSON.stringify(prepared.headers),
    data: prepared.body,
    source,
  }
}

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  return {
    id: row.id,
    queue: row.queue,
    message: {
      type: row.type,
      data: JSON.parse(row.data) as unknown,
      headers: JSON.parse(row.headers) as MessageHeaders,
      source: row.source,
    },
    attempts: row.attempts,
    error: row.error,
    failedAt: new Date(row.failed_at),
  }
}

function openFile(path: string, busyTimeoutMs: number): SqliteDatabase {
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true })
  return new Database(path, { timeout: busyTimeoutMs })
}

function validateOptions(
  options: SqliteTransportOptions,
  values: {
    synchronous: unknown
    busyTimeoutMs: unknown
    pollIntervalMs: unknown
    visibilityTimeoutMs: unknown
  },
): void {
  if (options.path !== undefined && options.database !== undefined) {
    throw new ValidationError('Give sqliteTransport a path or a database, not both')
  }
  const { synchronous, busyTimeoutMs, pollIntervalMs, visibilityTimeoutMs } = values
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
    throw new ValidationError(`synchronous must be 'NORMAL' or 'FULL'`, { synchronous })
  }
  if (!Number.isSafeInteger(busyTimeoutMs) || (busyTimeoutMs as number) < 0) {
    throw new ValidationError('busyTimeoutMs must be a non-negative integer', { busyTimeoutMs })
  }
  for (const [name, value] of Object.entries({ pollIntervalMs, visibilityTimeoutMs })) {
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
      throw new ValidationError(`${name} must be a positive number`, { [name]: value })
    }
  }
}
