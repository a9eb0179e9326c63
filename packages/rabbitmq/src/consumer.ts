import { backoffMs, isActaError, type ConsumeOptions, type Consumer, type IncomingMessage } from '@acta/core'
import type { Channel, ConsumeMessage } from 'amqplib'
import { attemptOf, copyOptions, decode } from './codec.js'
import type { BrokerConnection } from './connection.js'
import { refusal, sleep, unavailable } from './errors.js'
import type { Link } from './link.js'
import {
  attemptHeader,
  declareRetryQueue,
  delayHeader,
  sourceHeader,
  type QueueKind,
  type Topology,
} from './topology.js'

export interface ConsumerSpec {
  /** The queue's name in the port (`todo-write`, `group.todo-read`, `rpc.calc`). */
  readonly logical: string
  readonly kind: QueueKind
  readonly options: Required<ConsumeOptions>
  readonly handler: (message: IncomingMessage, delivery: ConsumeMessage) => unknown
  /** Declares the queue and its bindings on the current connection (again when `refresh`). */
  readonly prepare: (deadline: number, refresh: boolean) => Promise<void>
  readonly onClose?: () => void
}

export interface Parker {
  park(
    spec: ConsumerSpec,
    delivery: ConsumeMessage,
    attempts: number,
    error: unknown,
    source: string,
  ): Promise<void>
}

interface Session {
  readonly link: Link
  readonly ch: Channel
  tag: string
  closed: boolean
}

interface Context {
  readonly broker: BrokerConnection
  readonly topology: Topology
  readonly parker: Parker
  readonly timeoutMs: number
  readonly onError: (error: unknown, context: string) => void
}

const noop = (): void => undefined

/**
 * A consumer on its own channel with prefetch = concurrency. Acks after the handler resolves; on a
 * failure it publishes a copy to the retry queue of the backoff delay (or parks it after
 * `maxAttempts`) and acks the original once the broker confirmed the copy. After a lost channel or
 * connection it declares its queue again and resumes; unacked deliveries go back to the queue.
 */
export async function startConsumer(context: Context, spec: ConsumerSpec): Promise<Consumer> {
  const { broker, topology } = context
  const queue = topology.queue(spec.logical)
  let current: Session | undefined
  let closed = false
  let restarting = false
  let inFlight = 0
  const idle = new Set<() => void>()

  const settle = (session: Session, delivery: ConsumeMessage, requeue?: boolean): void => {
    if (session.closed) return // the broker redelivers it
    try {
      if (requeue === undefined) session.ch.ack(delivery)
      else session.ch.nack(delivery, false, requeue)
    } catch {
      // the channel closed meanwhile: the broker redelivers it
    }
  }

  const retry = async (delivery: ConsumeMessage, attempt: number, source: string): Promise<void> => {
    const delay = backoffMs(spec.options.retryDelayMs, attempt)
    const options = copyOptions(delivery, { [attemptHeader]: attempt + 1, [sourceHeader]: source })
    options.mandatory = true
    const route = async (refresh: boolean): Promise<boolean> => {
      if (delay === 0) return broker.publish('', queue, delivery.content, options)
      await broker.declare(
        `retry:${delay}`,
        (ch) => declareRetryQueue(ch, topology, delay),
        Date.now() + context.timeoutMs,
        refresh,
      )
      options.headers = { ...(options.headers as Record<string, unknown>), [delayHeader]: String(delay) }
      return broker.publish(topology.retry, queue, delivery.content, options)
    }
    if (!(await route(false)) && !(await route(true)))
      throw unavailable(`The retry of a message on ${spec.logical} was unroutable`)
  }

  const fail = async (session: Session, delivery: ConsumeMessage, error: unknown, source: string) => {
    if (session.closed) return // its channel is gone: the broker redelivers the original
    const attempt = attemptOf(delivery)
    try {
      if (attempt >= spec.options.maxAttempts)
        await context.parker.park(spec, delivery, attempt, error, source)
      else await retry(delivery, attempt, source)
      settle(session, delivery)
    } catch (failure) {
      context.onError(failure, `retrying a message on ${spec.logical}`)
      settle(session, delivery, true)
    }
  }

  const handle = async (session: Session, delivery: ConsumeMessage): Promise<void> => {
    let source = spec.logical
    try {
      const message = decode(delivery, spec.logical, topology.events)
      source = message.source
      await spec.handler(message, delivery)
      settle(session, delivery)
    } catch (error) {
      await fail(session, delivery, error, source)
    } finally {
      inFlight--
      if (inFlight === 0 && idle.size > 0) for (const wake of [...idle]) wake()
    }
  }

  const onMessage = (session: Session, delivery: ConsumeMessage | null): void => {
    if (delivery === null) {
      // The broker cancelled the consumer (its queue was deleted): start over on a new channel.
      session.ch.close().catch(noop)
      return
    }
    if (closed) return settle(session, delivery, true)
    inFlight++
    void handle(session, delivery)
  }

  const attach = async (link: Link, deadline: number, refresh: boolean): Promise<void> => {
    await spec.prepare(deadline, refresh)
    const ch = await link.model.createChannel()
    const session: Session = { link, ch, tag: '', closed: false }
    ch.on('error', (error) => context.onError(error, `consumer channel of ${spec.logical}`))
    ch.on('close', () => {
      session.closed = true
      if (current !== session) return
      current = undefined
      if (!closed) void restart()
    })
    try {
      await ch.prefetch(spec.options.concurrency)
      const ok = await ch.consume(queue, (delivery) => onMessage(session, delivery), { noAck: false })
      session.tag = ok.consumerTag
    } catch (error) {
      session.closed = true
      ch.close().catch(noop)
      throw error
    }
    if (closed) {
      await ch.close().catch(noop)
      return
    }
    current = session
    // The channel may have closed while consume was in flight; its close handler saw no session.
    if (session.closed) {
      current = undefined
      void restart()
    }
  }

  async function restart(): Promise<void> {
    if (restarting) return
    restarting = true
    let failures = 0
    while (!closed && current === undefined) {
      try {
        const link = await broker.ready(Number.MAX_SAFE_INTEGER)
        await attach(link, Date.now() + context.timeoutMs, true)
      } catch (error) {
        if (closed) break
        context.onError(error, `restarting the consumer of ${spec.logical}`)
        await sleep(Math.min(5000, 100 * 2 ** failures++))
      }
    }
    restarting = false
  }

  const deadline = Date.now() + context.timeoutMs
  for (;;) {
    const link = await broker.ready(deadline)
    try {
      await attach(link, deadline, false)
      break
    } catch (error) {
      if (isActaError(error)) throw error
      const refused = refusal(error)
      if (refused) throw refused
      if (Date.now() >= deadline) throw unavailable(`Could not start consuming ${spec.logical}`, error)
      await sleep(50)
    }
  }

  let closing: Promise<void> | undefined
  return {
    close() {
      closing ??= (async () => {
        closed = true
        const session = current
        if (session && !session.closed) await session.ch.cancel(session.tag).catch(noop)
        if (inFlight > 0) await new Promise<void>((resolve) => idle.add(resolve))
        if (session && !session.closed) await session.ch.close().catch(noop)
        current = undefined
        spec.onClose?.()
      })()
      return closing
    },
  }
}
