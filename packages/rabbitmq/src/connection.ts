import { ActaError } from '@acta/core'
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type Options } from 'amqplib'
import { refusal, sleep, unavailable } from './errors.js'
import { adminChannel, publisherChannel, type Link } from './link.js'
import { messageIdHeader } from './topology.js'

export interface ConnectionOptions {
  readonly url: string
  readonly connectionName: string
  readonly heartbeatSeconds: number
  readonly reconnectDelayMs: number
  readonly maxReconnectDelayMs: number
  readonly publishTimeoutMs: number
  readonly setup: (ch: Channel) => Promise<void>
  readonly onError: (error: unknown, context: string) => void
}

const noop = (): void => undefined

interface PendingConfirm {
  readonly deadline: number
  readonly reject: (error: unknown) => void
}

/**
 * Keeps one connection to RabbitMQ open, reconnecting with backoff, and publishes with publisher
 * confirms on one confirm channel per connection. Callers wait for a connection at most until their
 * deadline, then get `UNAVAILABLE`.
 */
export class BrokerConnection {
  private current: Link | undefined
  private generation = 0
  private closing = false
  private lastError: unknown
  private readonly waiters = new Set<() => void>()
  private readonly listeners = new Set<(link: Link) => void>()
  private wakeBackoff: () => void = noop
  private readonly unconfirmed = new Set<PendingConfirm>()
  private sweeper: ReturnType<typeof setInterval> | undefined
  private readonly loop: Promise<void>

  constructor(private readonly options: ConnectionOptions) {
    this.loop = this.run()
  }

  get connected(): boolean {
    return this.current !== undefined && !this.current.closed
  }

  /** Drops cached declarations (a transient queue's, once it is gone). */
  forget(keys: readonly string[]): void {
    const link = this.current
    if (!link) return
    for (const key of keys) {
      link.declared.delete(key)
      link.done.delete(key)
    }
  }

  /** Calls `listener` after every reconnect (not the first connect). */
  onReconnect(listener: (link: Link) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The live connection, waiting for one until `deadline` (epoch ms). */
  async ready(deadline: number): Promise<Link> {
    for (;;) {
      if (this.closing) throw unavailable('The RabbitMQ transport is closed')
      const link = this.current
      if (link && !link.closed) return link
      const remaining = deadline - Date.now()
      if (remaining <= 0) {
        const reason = this.lastError instanceof Error ? `: ${this.lastError.message}` : ''
        throw unavailable(`RabbitMQ is unreachable${reason}`, this.lastError)
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer)
          this.waiters.delete(done)
          resolve()
        }
        const timer = setTimeout(done, Math.min(remaining, 2 ** 31 - 1))
        this.waiters.add(done)
      })
    }
  }

  /**
   * Runs `declare` on the connection's admin channel, once per connection for a given key (pass
   * `refresh` to run it again). A refusal by the broker fails at once with `CONFLICT`; a broken
   * connection is retried on the next one until `deadline`.
   */
  async declare<T>(
    key: string | undefined,
    declare: (ch: Channel) => Promise<T>,
    deadline = Date.now() + this.options.publishTimeoutMs,
    refresh = false,
  ): Promise<T> {
    const live = this.current
    if (key !== undefined && !refresh && live && !live.closed && live.done.has(key))
      return live.declared.get(key) as Promise<T>
    for (;;) {
      const link = await this.ready(deadline)
      let pending =
        key === undefined || refresh ? undefined : (link.declared.get(key) as Promise<T> | undefined)
      if (!pending) {
        pending = adminChannel(link, this.options.onError).then(declare)
        if (key !== undefined) {
          const mine = pending
          link.declared.set(key, mine)
          link.done.delete(key)
          mine.then(
            () => {
              if (link.declared.get(key) === mine) link.done.add(key)
            },
            () => {
              if (link.declared.get(key) === mine) link.declared.delete(key)
            },
          )
        }
        refresh = false
      }
      try {
        return await pending
      } catch (error) {
        const refused = refusal(error)
        if (refused) throw refused
        if (Date.now() >= deadline) throw unavailable('RabbitMQ did not answer a declaration in time', error)
        await sleep(20)
      }
    }
  }

  /**
   * Publishes and resolves once the broker confirmed: `true` when routed, `false` when a mandatory
   * message came back unroutable. A connection lost before the confirm means a new attempt on the
   * next connection (a possible duplicate, never a loss) until the deadline, then `UNAVAILABLE`.
   */
  async publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish,
    timeoutMs = this.options.publishTimeoutMs,
  ): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    const live = this.current
    if (live && !live.closed && live.openPublisher && !live.drained) {
      try {
        return await this.confirm(live, live.openPublisher, exchange, routingKey, content, options, deadline)
      } catch (error) {
        if (error instanceof RangeError) throw new ActaError('VALIDATION', error.message, { cause: error })
        if (Date.now() >= deadline || this.closing)
          throw unavailable('RabbitMQ did not confirm the message in time', error)
      }
    }
    for (;;) {
      const link = await this.ready(deadline)
      try {
        if (link.drained) await link.drained
        const ch = await publisherChannel(link, this.options.setup, this.options.onError)
        return await this.confirm(link, ch, exchange, routingKey, content, options, deadline)
      } catch (error) {
        if (error instanceof RangeError) throw new ActaError('VALIDATION', error.message, { cause: error })
        if (Date.now() >= deadline || this.closing)
          throw unavailable('RabbitMQ did not confirm the message in time', error)
        await sleep(20)
      }
    }
  }

  async close(): Promise<void> {
    if (this.closing) return this.loop
    this.closing = true
    for (const wake of [...this.waiters]) wake()
    this.wakeBackoff()
    const link = this.current
    if (link && !link.closed) await link.model.close().catch(noop)
    await this.loop
    for (const pending of this.unconfirmed) pending.reject(unavailable('The RabbitMQ transport closed'))
    this.unconfirmed.clear()
    clearInterval(this.sweeper)
    this.sweeper = undefined
  }

  private confirm(
    link: Link,
    ch: ConfirmChannel,
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish,
    deadline: number,
  ): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const id =
        options.messageId ?? (options.headers as Record<string, unknown> | undefined)?.[messageIdHeader]
      const tracked = options.mandatory ? `${routingKey}\u0000${String(id)}` : undefined
      // One sweep per connection fails overdue confirms, instead of a timer per message.
      const pending: PendingConfirm = { deadline, reject }
      this.unconfirmed.add(pending)
      this.sweepSoon()
      let flowing: boolean
      try {
        flowing = ch.publish(exchange, routingKey, content, options, (error: unknown) => {
          this.unconfirmed.delete(pending)
          if (error)
            return reject(error instanceof Error ? error : unavailable('RabbitMQ refused the message'))
          if (tracked === undefined) return resolve(true)
          const returns = link.returned.get(tracked) ?? 0
          if (returns === 0) return resolve(true)
          if (returns === 1) link.returned.delete(tracked)
          else link.returned.set(tracked, returns - 1)
          resolve(false)
        })
      } catch (error) {
        this.unconfirmed.delete(pending)
        return reject(error instanceof Error ? error : unavailable('The publish failed', error))
      }
      if (!flowing && !link.drained) {
        link.drained = new Promise<void>((done) => {
          const release = (): void => {
            link.drained = undefined
            ch.off('drain', release)
            ch.off('close', release)
            done()
          }
          ch.on('drain', release)
          ch.on('close', release)
        })
      }
    })
  }

  private sweepSoon(): void {
    if (this.sweeper !== undefined) return
    this.sweeper = setInterval(() => {
      const now = Date.now()
      for (const pending of this.unconfirmed) {
        if (pending.deadline > now) continue
        this.unconfirmed.delete(pending)
        pending.reject(unavailable('RabbitMQ did not confirm the message in time'))
      }
      if (this.unconfirmed.size === 0) {
        clearInterval(this.sweeper)
        this.sweeper = undefined
      }
    }, 100)
  }

  private url(): string {
    const url = new URL(this.options.url)
    if (!url.searchParams.has('heartbeat'))
      url.searchParams.set('heartbeat', String(this.options.heartbeatSeconds))
    return url.toString()
  }

  private async run(): Promise<void> {
    let failures = 0
    let connectedBefore = false
    while (!this.closing) {
      let model: ChannelModel | undefined
      try {
        model = await amqp.connect(this.url(), {
          clientProperties: { connection_name: this.options.connectionName },
          timeout: 10_000,
          // Nagle's algorithm would hold a small request or reply back until the previous one is acked.
          noDelay: true,
        })
        const opened = model
        const link: Link = {
          generation: ++this.generation,
          model: opened,
          closed: false,
          declared: new Map(),
          done: new Set(),
          returned: new Map(),
          publishers: 0,
        }
        const ended = new Promise<void>((resolve) => {
          opened.once('close', (error?: Error) => {
            link.closed = true
            if (error) this.lastError = error
            resolve()
          })
        })
        opened.on('error', (error) => {
          this.lastError = error
          this.options.onError(error, 'connection')
        })
        // A resource alarm (memory, disk): publishes wait, and fail with UNAVAILABLE at their deadline.
        opened.on('blocked', (reason: string) =>
          this.options.onError(new Error(`RabbitMQ blocked publishing: ${reason}`), 'connection blocked'),
        )
        if (this.closing) {
          await opened.close().catch(noop)
          break
        }
        await adminChannel(link, this.options.onError)
          .then(this.options.setup)
          .catch(async (error: unknown) => {
            await opened.close().catch(noop)
            throw error
          })
        failures = 0
        this.current = link
        for (const wake of [...this.waiters]) wake()
        if (connectedBefore) for (const listener of this.listeners) listener(link)
        connectedBefore = true
        await ended
        if (this.current === link) this.current = undefined
        if (!this.closing) this.options.onError(this.lastError, 'connection lost; reconnecting')
      } catch (error) {
        this.lastError = error
        this.options.onError(error, 'connect')
      }
      if (this.closing) break
      const base = Math.min(this.options.maxReconnectDelayMs, this.options.reconnectDelayMs * 2 ** failures++)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, base * (0.8 + Math.random() * 0.4))
        this.wakeBackoff = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
    this.current = undefined
  }
}
