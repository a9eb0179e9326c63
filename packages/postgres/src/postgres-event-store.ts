import {
  ActaError,
  ValidationError,
  assertStreamId,
  logSubscription,
  normalizeExpectedVersion,
  prepareAppend,
  readAllPages,
  validateCorrelationRead,
  toJson,
  validateReadStreamOptions,
  validateSnapshot,
} from '@acta/core'
import type {
  EventStore,
  ReadAllOptions,
  Snapshot,
  StoredEvent,
  SubscribeOptions,
  Subscription,
} from '@acta/core'
import pg from 'pg'
import type { ClientConfig } from 'pg'
import { appender } from './append.js'
import type { PostgresPool } from './pool.js'
import { logReader } from './read.js'
import { migrate, tables } from './schema.js'
import { snapshots } from './snapshots.js'
import { streamCommands } from './stream-commands.js'
import { changeFeed } from './subscribe.js'
import { translateError } from './translate-error.js'

export interface PostgresEventStoreOptions {
  /** `postgres://user:password@host:5432/database`; the store opens (and on close, ends) its own pool. */
  connectionString?: string
  /** A pool you own (a `pg.Pool` fits); the store never ends it. Takes precedence over `connectionString` for queries. */
  pool?: PostgresPool
  /** Schema of the store's tables (all named `acta_*`), created if missing. Defaults to `'public'`. */
  schema?: string
  /** Longest wait of an idle subscriber between reads when no NOTIFY arrives. Defaults to 1000 ms. */
  pollIntervalMs?: number
  /**
   * Where subscribers LISTEN for wake-ups, on one dedicated connection per store: `true` (default)
   * uses `connectionString`, or else the settings of a `pg.Pool` passed as `pool`; a string is a
   * connection string for it (a direct one, when queries go through a transaction-mode pooler);
   * `false` polls only.
   */
  listen?: boolean | string
  /**
   * Fault injection for tests: when set, each append runs in an explicit transaction and awaits
   * this right before COMMIT (two more round trips per append).
   */
  beforeCommit?: () => Promise<void>
}

/**
 * The PostgreSQL event store: the {@link EventStore} port plus an explicit start-up step.
 *
 * Log order: the global log is ordered by (transaction id, `globalPosition`), and an event becomes
 * visible to log readers once every transaction that began writing before it has ended. Positions
 * are unique but not monotonic in log order; the checkpoint to resume from is the `globalPosition`
 * of the last event delivered.
 */
export interface PostgresEventStore extends EventStore {
  /** The schema the tables live in. */
  readonly schema: string
  /**
   * Connects and migrates the schema; every other method does it on first use. Rejects with an
   * 'UNAVAILABLE' ActaError when PostgreSQL is unreachable.
   *
   * @example
   * await store.ready() // fail fast at start-up
   */
  ready(): Promise<void>
  /**
   * The global log in log order, read in batches. `after` names an event: reading resumes after it
   * in log order (0, or a position that names no event: every event with a higher position).
   *
   * @example
   * for await (const event of store.readAll({ after: checkpoint })) checkpoint = event.globalPosition
   */
  readAll(options?: ReadAllOptions): AsyncIterable<StoredEvent>
  /**
   * Catch-up then live, in log order, each event once. Woken by NOTIFY, with `pollIntervalMs` as
   * the fallback; a long transaction anywhere in the cluster delays delivery until it ends.
   *
   * @example
   * const subscription = store.subscribe({ after: checkpoint, onCaughtUp: () => console.log('live') })
   */
  subscribe(options?: SubscribeOptions): Subscription
  /**
   * The `globalPosition` of the last event in log order that readers can see (not necessarily the
   * highest position); 0 when there is none.
   *
   * @example
   * const lag = (await store.headPosition()) !== subscription.position
   */
  headPosition(): Promise<number>
}

/**
 * An event store on PostgreSQL. Appends are one statement (one round trip); readers of the global
 * log see an event only once every transaction that started before it has ended, so the log never
 * gains an event behind a reader's checkpoint. Positions are unique but, in log order, not always
 * increasing: resume with `after: lastDeliveredEvent.globalPosition`, never with a computed position.
 *
 * @example
 * const store = postgresEventStore({ connectionString: process.env.ACTA_DATABASE_URL })
 * await store.append('cart-1', [{ type: 'ItemAdded', data: { sku: 'a' } }], { expectedVersion: 'no-stream' })
 * for await (const event of store.subscribe({ after: checkpoint })) project(event)
 */
export function postgresEventStore(options: PostgresEventStoreOptions): PostgresEventStore {
  const { connectionString, beforeCommit } = options
  if (!options.pool && !connectionString) {
    throw new ValidationError('postgresEventStore needs a connectionString or a pool')
  }
  const pollIntervalMs = options.pollIntervalMs ?? 1000
  if (!Number.isFinite(pollIntervalMs) || pollIntervalMs <= 0) {
    throw new ValidationError('pollIntervalMs must be a positive number', { pollIntervalMs })
  }
  const t = tables(options.schema ?? 'public')
  const ownPool = options.pool ? undefined : new pg.Pool({ connectionString })
  // an idle client that loses its connection is dropped by the pool; without a listener the error would crash the process
  ownPool?.on('error', () => undefined)
  const pool: PostgresPool = options.pool ?? ownPool!
  const feed = changeFeed({ pool, tables: t, listenConfig: listenConfig(options), pollIntervalMs })
  const append = appender({ pool, tables: t, beforeCommit })
  const reader = logReader(t)
  const streams = streamCommands(t)
  const snaps = snapshots(t)

  let closed = false
  let migrated = false
  let migrating: Promise<void> | undefined

  function ready(): Promise<void> {
    if (closed) return Promise.reject(new ActaError('UNAVAILABLE', 'The event store is closed'))
    migrating ??= migrate(pool, t).then(
      () => {
        migrated = true
      },
      (error: unknown) => {
        migrating = undefined
        throw error
      },
    )
    return migrating
  }

  /** Runs `work` once the schema is ready, translating driver errors. */
  async function run<T>(work: () => Promise<T>, details?: Record<string, unknown>): Promise<T> {
    if (closed) throw new ActaError('UNAVAILABLE', 'The event store is closed')
    if (!migrated) await ready()
    try {
      return await work()
    } catch (error) {
      throw translateError(error, details)
    }
  }

  const fetchAfter = (after: number, limit: number) =>
    run(() => reader.fetchAfter(pool, after, limit), { after })
  const fetchLive = (after: number, limit: number) =>
    run(
      async () => {
        const { events, heldBack } = await reader.fetchLive(pool, after, limit)
        if (events.length < limit) feed.caughtUp(heldBack)
        return events
      },
      { after },
    )

  return {
    schema: t.schema,
    ready,

    async append(streamId, events, appendOptions) {
      const prepared = prepareAppend(streamId, events, appendOptions)
      if (closed) throw new ActaError('UNAVAILABLE', 'The event store is closed')
      if (!migrated) await ready()
      // the appender translates its errors itself: one async step less on the hot path
      const result = await append(prepared)
      if (!result.duplicate) feed.committed()
      return result
    },

    async readStream(streamId, readOptions = {}) {
      assertStreamId(streamId)
      validateReadStreamOptions(readOptions)
      return run(() => reader.readStream(pool, streamId, readOptions), { streamId })
    },

    readAll: (readOptions) => readAllPages(fetchAfter, readOptions),

    async readByCorrelation(correlationId, readOptions) {
      const limit = validateCorrelationRead(correlationId, readOptions)
      return run(() => reader.eventsOfCorrelation(pool, correlationId, limit))
    },

    subscribe(subscribeOptions) {
      feed.listen()
      return logSubscription(fetchLive, feed.changes, { pollIntervalMs, ...subscribeOptions })
    },

    headPosition: () => run(() => reader.headPosition(pool)),

    async streamInfo(streamId) {
      assertStreamId(streamId)
      return run(() => streams.streamInfo(pool, streamId), { streamId })
    },

    async deleteStream(streamId, deleteOptions) {
      assertStreamId(streamId)
      const expected = normalizeExpectedVersion(deleteOptions?.expectedVersion)
      return run(() => streams.deleteStream(pool, streamId, expected), { streamId })
    },

    async truncateStream(streamId, before) {
      assertStreamId(streamId)
      if (!Number.isSafeInteger(before) || before < 1) {
        throw new ValidationError('truncateStream needs a positive integer version', { streamId, before })
      }
      return run(() => streams.truncateStream(pool, streamId, before), { streamId })
    },

    async setStreamMetadata(streamId, metadata) {
      assertStreamId(streamId)
      if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
        throw new ValidationError('Stream metadata must be an object', { streamId })
      }
      const json = toJson(metadata, 'stream metadata', streamId)
      return run(() => streams.setStreamMetadata(pool, streamId, json), { streamId })
    },

    async saveSnapshot(streamId, snapshot) {
      assertStreamId(streamId)
      const { version, schemaVersion, stateJson } = validateSnapshot(streamId, snapshot)
      return run(() => snaps.save(pool, streamId, version, schemaVersion, stateJson), { streamId })
    },

    async loadSnapshot<State>(
      streamId: string,
      loadOptions: { maxVersion?: number } = {},
    ): Promise<Snapshot<State> | undefined> {
      assertStreamId(streamId)
      const maxVersion = loadOptions.maxVersion ?? Number.POSITIVE_INFINITY
      return run(() => snaps.load<State>(pool, streamId, maxVersion), { streamId })
    },

    async close() {
      if (closed) return
      closed = true
      await migrating?.catch(() => undefined)
      await feed.close()
      await ownPool?.end()
    },
  }
}

function listenConfig(options: PostgresEventStoreOptions): ClientConfig | undefined {
  const { listen = true } = options
  if (listen === false) return undefined
  if (typeof listen === 'string') return { connectionString: listen }
  if (options.connectionString) return { connectionString: options.connectionString }
  const poolOptions = options.pool?.options
  // pg-pool keeps the password as a non-enumerable property, which a spread would drop
  return poolOptions ? { ...poolOptions, password: poolOptions.password } : undefined
}
