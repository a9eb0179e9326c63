import { openConnection } from './open-connection.js'
import type { Database as SqliteDatabase } from 'better-sqlite3'
import {
  ActaError,
  ValidationError,
  assertName,
  groupQueue,
  normalizeConsumeOptions,
  prepareOutgoing,
  rpcQueue,
  topicMatcher,
  uuidv7,
} from '@acta/core'
import type {
  ConsumeOptions,
  Consumer,
  DeadLetter,
  MessageHeaders,
  OutgoingMessage,
  Transport,
} from '@acta/core'
import { CrossProcessSignal } from './subscribe.js'
import { Dispatcher } from './transport-dispatcher.js'
import type { Handle } from './transport-dispatcher.js'
import { startMaintenance } from './transport-maintenance.js'
import { immediateTransactions, queueTables } from './transport-queue.js'
import type { DeadLetterRow } from './transport-queue.js'
import { routing } from './transport-routing.js'
import { messageRow, responder, rpcClient } from './transport-rpc.js'
import { migrateTransport } from './transport-schema.js'
import { queueStatusTable } from './transport-status.js'

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
  const { db, owned: ownsDatabase } = openConnection(
    { path: options.path ?? defaultTransportPath, database: options.database },
    { synchronous, busyTimeoutMs },
    migrateTransport,
  )

  const owner = uuidv7()
  const tables = queueTables(db)
  const routes = routing(db)
  const statuses = queueStatusTable(db)
  const write = immediateTransactions(db)
  const signal = new CrossProcessSignal(db, pollIntervalMs)
  const dispatcher = new Dispatcher({ tables, signal, write, owner, visibilityTimeoutMs, onError })
  /** Queues that live as long as this transport, with their topic patterns. */
  const owned = new Map<string, readonly string[]>()
  const consumers = new Set<Consumer>()
  /** This transport's consumers by id, with their queue, as recorded in `acta_transport_consumers`. */
  const attached = new Map<string, string>()
  /** Durable queues this transport has recorded in `acta_transport_queues` (whose rows stay). */
  const recorded = new Set<string>()
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

  /** Runs `run` in the next write batch and records `queue` as a durable queue there, once per transport. */
  const enqueueRecorded = async (queue: string, run: PendingWrite['run']): Promise<void> => {
    const fresh = !recorded.has(queue)
    await enqueueWrite((now) => {
      if (fresh) statuses.record(queue)
      return run(now)
    })
    recorded.add(queue)
  }

  const dropOwned = (queue: string): void => {
    owned.delete(queue)
    if (db.open) write(() => routes.drop(queue))
  }

  /** Forgets a closed consumer's row; one left behind goes when this transport closes or is reaped. */
  const detach = (id: string): void => {
    attached.delete(id)
    if (!db.open) return
    try {
      write(() => routes.detach(owner, id))
    } catch (error) {
      onError(error)
    }
  }

  /**
   * Records the consumer (under this transport's heartbeat, so that other processes count it until
   * it closes or this transport dies), with `setup` in the same transaction, then starts it.
   */
  const startConsumer = async (
    queue: string,
    handle: Handle,
    consumeOptions: Required<ConsumeOptions>,
    setup: { durable: boolean; run?: (now: number) => void; onClose?: (() => void) | undefined },
  ): Promise<Consumer> => {
    const id = uuidv7()
    const record = (now: number): string[] => {
      setup.run?.(now)
      routes.register(owner, now)
      routes.attach(owner, id, queue)
      return []
    }
    await (setup.durable ? enqueueRecorded(queue, record) : enqueueWrite(record))
    // closed meanwhile: close() committed the record above before releasing this transport's rows
    assertOpen()
    attached.set(id, queue)
    const worker = dispatcher.add(queue, handle, consumeOptions)
    let stopping: Promise<void> | undefined
    const consumer: Consumer = {
      close: () =>
        (stopping ??= (async () => {
          await dispatcher.remove(worker)
          consumers.delete(consumer)
          detach(id)
          setup.onClose?.()
        })()),
    }
    consumers.add(consumer)
    return consumer
  }

  const rpc = rpcClient({
    enqueue: (row) =>
      enqueueRecorded(row.queue, (now) => {
        tables.insert(row, now)
        return [row.queue]
      }),
    async openReplyQueue(handle) {
      const queue = `reply.${owner}`
      await startConsumer(
        queue,
        handle,
        { concurrency: 100, maxAttempts: 1, retryDelayMs: 0 },
        { durable: false, run: (now) => routes.own(queue, owner, now) },
      )
      owned.set(queue, [])
      return queue
    },
  })

  const stopMaintenance = startMaintenance({
    tables,
    routes,
    dispatcher,
    write,
    owner,
    owned,
    attached,
    visibilityTimeoutMs,
    onError,
  })

  return {
    async send(queue: string, message: OutgoingMessage) {
      assertOpen()
      assertName(queue, 'queue')
      const row = messageRow(prepareOutgoing(message), queue, queue)
      return enqueueRecorded(queue, (now) => {
        tables.insert(row, now)
        return [queue]
      })
    },

    async consume(queue, handler, consumeOptions) {
      assertOpen()
      assertName(queue, 'queue')
      const normalized = normalizeConsumeOptions(consumeOptions)
      return startConsumer(queue, async ({ message }) => void (await handler(message)), normalized, {
        durable: true,
      })
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
      const consumer = await startConsumer(
        queue,
        async ({ message }) => void (await handler(message)),
        normalized,
        {
          durable: !transient,
          run(now) {
            if (transient) routes.own(queue, owner, now)
            for (const pattern of patterns) routes.bind(pattern, queue)
          },
          onClose: transient ? () => dropOwned(queue) : undefined,
        },
      )
      if (transient) owned.set(queue, patterns)
      return consumer
    },

    async request(service, message, requestOptions) {
      assertOpen()
      assertName(service, 'service')
      return rpc.request(service, message, requestOptions)
    },

    async respond(service, handler, consumeOptions) {
      assertOpen()
      assertName(service, 'service')
      const normalized = normalizeConsumeOptions({ maxAttempts: 1, ...consumeOptions })
      return startConsumer(rpcQueue(service), responder(service, handler), normalized, { durable: true })
    },

    async queues() {
      assertOpen()
      return statuses.list(Date.now())
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
        rpc.rejectAll(new ActaError('UNAVAILABLE', 'The transport closed'))
        dispatcher.stop()
        stopMaintenance()
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
