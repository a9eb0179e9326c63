import type { Channel, GetMessage, Replies } from 'amqplib'
import type { BrokerConnection } from './connection.js'
import { declareCatalog } from './topology.js'

const noop = (): void => undefined

const missing = (error: unknown): boolean => (error as { code?: unknown } | undefined)?.code === 404

/** A queue's depth and consumers as a passive declare reports them; undefined when it does not exist. */
export type Check = (queue: string) => Promise<Replies.AssertQueue | undefined>

/** Runs tasks one at a time in call order; a failed task does not stop the next. */
export function serializer(): <T>(work: () => Promise<T>) => Promise<T> {
  let turn: Promise<unknown> = Promise.resolve()
  return <T>(work: () => Promise<T>): Promise<T> => {
    const next = turn.then(work, work)
    turn = next.catch(noop)
    return next
  }
}

/** Runs `read` on a fresh channel and closes it after, returning every unacked message to its queue. */
export async function withChannel<T>(
  broker: BrokerConnection,
  timeoutMs: number,
  read: (ch: Channel) => Promise<T>,
): Promise<T> {
  const link = await broker.ready(Date.now() + timeoutMs)
  const ch = await link.model.createChannel()
  ch.on('error', noop)
  try {
    return await read(ch)
  } finally {
    await ch.close().catch(noop)
  }
}

/**
 * Lends `use` a {@link Check} that makes passive declares on a channel of its own: the broker closes
 * a channel on which a missing queue was checked (404), so it must never be one that holds unacked
 * messages. The channel is kept while queues exist and opened anew after a miss. One check at a
 * time: the close after a miss would fail a check in flight beside it.
 */
export async function withProbe<T>(
  broker: BrokerConnection,
  timeoutMs: number,
  use: (check: Check) => Promise<T>,
): Promise<T> {
  let open: Promise<Channel> | undefined
  const check: Check = async (queue) => {
    open ??= broker.ready(Date.now() + timeoutMs).then(async (link) => {
      const ch = await link.model.createChannel()
      ch.on('error', noop)
      return ch
    })
    const mine = open
    try {
      return await (await mine).checkQueue(queue)
    } catch (error) {
      if (open === mine) open = undefined
      if (missing(error)) return undefined
      throw error
    }
  }
  try {
    return await use(check)
  } finally {
    if (open) await open.then((ch) => ch.close()).catch(noop)
  }
}

/** Gets every message of `queue` without acking; `visit` may ack some. Missing queue: nothing. */
export async function drain(
  ch: Channel,
  queue: string,
  visit: (m: GetMessage) => Promise<void>,
): Promise<void> {
  try {
    await ch.checkQueue(queue)
  } catch (error) {
    if (missing(error)) return
    throw error
  }
  for (;;) {
    const message = await ch.get(queue, { noAck: false })
    if (message === false) return
    await visit(message)
    if (message.fields.messageCount === 0) return
  }
}

/**
 * A durable queue used as a set of names, because AMQP cannot list queues: a name is added by
 * publishing it (any process, any number of times), and read by getting every entry without ack on
 * a channel of its own, which is closed after, so every entry kept goes back (and nothing is lost
 * if the reader dies halfway). The reader removes (acks) duplicates and the entries `keep` rejects
 * (their queue is gone), so the catalog holds about one entry per live name.
 *
 * Reads of one catalog run one at a time per process. A read in another process holds the entries
 * it got until it is done (milliseconds per entry): a read at that moment misses them, once.
 */
export interface Catalog {
  /** Adds `name`; a second entry of a name is harmless. Resolves once the broker confirmed it. */
  add(name: string, deadline: number): Promise<void>
  /** What `keep` returns for each distinct name; the names it returns undefined for are removed. */
  read<T>(keep: (name: string, check: Check) => Promise<T | undefined>): Promise<T[]>
}

export function catalog(broker: BrokerConnection, queue: string, timeoutMs: number): Catalog {
  const serialized = serializer()
  const declare = (deadline?: number) =>
    broker.declare(`catalog:${queue}`, (ch) => declareCatalog(ch, queue), deadline)

  return {
    async add(name, deadline) {
      await declare(deadline)
      await broker.publish(
        '',
        queue,
        Buffer.from(name),
        { persistent: true, contentType: 'text/plain' },
        Math.max(1, deadline - Date.now()),
      )
    },

    read<T>(keep: (name: string, check: Check) => Promise<T | undefined>) {
      return serialized(async () => {
        await declare()
        return withProbe(broker, timeoutMs, (check) =>
          withChannel(broker, timeoutMs, async (ch) => {
            const seen = new Set<string>()
            const kept: T[] = []
            await drain(ch, queue, async (entry) => {
              const name = entry.content.toString('utf8')
              if (seen.has(name)) return ch.ack(entry)
              seen.add(name)
              const value = await keep(name, check)
              if (value === undefined) ch.ack(entry)
              else kept.push(value)
            })
            return kept
          }),
        )
      })
    },
  }
}
