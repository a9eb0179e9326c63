import { uuidv7, type DeadLetter } from '@acta/core'
import type { GetMessage } from 'amqplib'
import { catalog, drain, serializer, withChannel, withProbe } from './catalog.js'
import { copyOptions, decode, decodeHeaders, text, type AmqpHeaders } from './codec.js'
import type { BrokerConnection } from './connection.js'
import type { ConsumerSpec, Parker } from './consumer.js'
import {
  declareParked,
  letterAttemptsHeader,
  letterErrorHeader,
  letterFailedAtHeader,
  letterIdHeader,
  letterOriginHeader,
  letterQueueHeader,
  sourceHeader,
  type Topology,
} from './topology.js'
import { isSubscriberQueue } from './subscriber-queues.js'

const maxErrorLength = 2000

/** A parked message as read from its parked queue; `letter` is undefined for a foreign message. */
interface Parked {
  readonly delivery: GetMessage
  readonly letter: DeadLetter | undefined
  readonly origin: string
}

export interface DeadLetterBox extends Parker {
  list(queue?: string): Promise<DeadLetter[]>
  /**
   * How many messages each parked queue holds, by logical queue name, from the parked catalog:
   * one passive declare per parked queue. A named subscriber's is not read (see isSubscriberQueue).
   */
  parkedCounts(): Promise<Map<string, number>>
  replay(ids: readonly string[]): Promise<number>
}

/**
 * Parked messages live in one durable queue per origin queue (`<prefix>.parked.<queue>`). Reading
 * them is `basic.get` without ack on a channel of its own, then closing that channel, which puts
 * every message back where it was: nothing is lost if the reader dies halfway. A replay publishes
 * the copy to the origin queue, waits for the broker's confirm, and only then acks the parked one.
 */
export function deadLetterBox(broker: BrokerConnection, t: Topology, timeoutMs: number): DeadLetterBox {
  // List and replay run one at a time per transport, so one never hides messages from the other.
  const serialized = serializer()
  const parkedQueues = catalog(broker, t.parkedCatalog, timeoutMs)

  const toParked = (delivery: GetMessage, logical: string): Parked => {
    const h = (delivery.properties.headers ?? {}) as AmqpHeaders
    const id = h[letterIdHeader]
    const origin = text(h[letterOriginHeader]) ?? t.queue(logical)
    if (typeof id !== 'string') return { delivery, letter: undefined, origin }
    let message: DeadLetter['message']
    try {
      const { type, data, headers, source } = decode(delivery, logical, t.events)
      message = { type, data, headers, source }
    } catch {
      // Parked because its body is not JSON: show the text rather than hide the letter.
      const headers = decodeHeaders(delivery.properties)
      const source = text(h[sourceHeader]) ?? logical
      message = { type: headers.type, data: delivery.content.toString('utf8'), headers, source }
    }
    const letter: DeadLetter = {
      id,
      queue: text(h[letterQueueHeader]) ?? logical,
      message,
      attempts: Number(h[letterAttemptsHeader] ?? 0),
      error: text(h[letterErrorHeader]) ?? '',
      failedAt: new Date(Number(h[letterFailedAtHeader] ?? 0)),
    }
    return { delivery, letter, origin }
  }

  /** The names of every parked queue; entries of parked queues that no longer exist are removed. */
  const catalogNames = (): Promise<string[]> =>
    parkedQueues.read(async (name, check) => ((await check(t.parked(name))) ? name : undefined))

  // Stable: letters parked in the same millisecond keep their parked queue's order.
  const sortLetters = (letters: DeadLetter[]): DeadLetter[] =>
    letters.sort((a, b) => a.failedAt.getTime() - b.failedAt.getTime())

  return {
    async parkedCounts() {
      const counts = await parkedQueues.read<[string, number] | null>(async (name, check) => {
        if (isSubscriberQueue(name)) return null
        const parked = await check(t.parked(name))
        return parked ? [name, parked.messageCount] : undefined
      })
      return new Map(counts.filter((entry): entry is [string, number] => entry !== null))
    },

    async park(spec: ConsumerSpec, delivery, attempts, error, source) {
      const failedAt = Date.now()
      const deadline = failedAt + timeoutMs
      const waiting = await broker.declare(
        undefined,
        (ch) => declareParked(ch, t, spec.logical, spec.kind),
        deadline,
      )
      // The first letter of an empty parked queue registers it, so listDeadLetters() finds it.
      if (waiting === 0) await parkedQueues.add(spec.logical, deadline)
      const text = error instanceof Error ? error.message : String(error)
      const options = copyOptions(delivery, {
        [letterIdHeader]: `${spec.logical}/${uuidv7()}`,
        [letterQueueHeader]: spec.logical,
        [letterOriginHeader]: t.queue(spec.logical),
        [letterAttemptsHeader]: attempts,
        [letterErrorHeader]: text.length > maxErrorLength ? `${text.slice(0, maxErrorLength)}…` : text,
        [letterFailedAtHeader]: failedAt,
        [sourceHeader]: source,
      })
      options.persistent = true
      await broker.publish('', t.parked(spec.logical), delivery.content, options)
    },

    list(queue?: string) {
      return serialized(async () => {
        const names = queue === undefined ? await catalogNames() : [queue]
        const letters: DeadLetter[] = []
        for (const name of names) {
          await withChannel(broker, timeoutMs, (ch) =>
            drain(ch, t.parked(name), async (m) => {
              const { letter } = toParked(m, name)
              if (letter) letters.push(letter)
            }),
          )
        }
        return sortLetters(letters)
      })
    },

    replay(ids: readonly string[]) {
      return serialized(async () => {
        const byQueue = new Map<string, Set<string>>()
        for (const id of ids) {
          const slash = typeof id === 'string' ? id.lastIndexOf('/') : -1
          if (slash <= 0) continue
          const name = id.slice(0, slash)
          byQueue.set(name, (byQueue.get(name) ?? new Set()).add(id))
        }
        let replayed = 0
        for (const [name, wanted] of byQueue) {
          if (!(await withProbe(broker, timeoutMs, (check) => check(t.parked(name))))) continue
          await withChannel(broker, timeoutMs, (ch) =>
            drain(ch, t.parked(name), async (m) => {
              const { letter, origin, delivery } = toParked(m, name)
              if (!letter || !wanted.has(letter.id)) return
              const options = copyOptions(delivery, { [sourceHeader]: letter.message.source })
              options.mandatory = true
              if (!(await broker.publish('', origin, delivery.content, options))) return // origin is gone
              ch.ack(delivery)
              wanted.delete(letter.id)
              replayed++
            }),
          )
        }
        return replayed
      })
    },
  }
}
