import type { Channel, ChannelModel, ConfirmChannel, Message } from 'amqplib'
import { messageIdHeader } from './topology.js'

/** One live AMQP connection; a reconnect makes a new one with a higher generation. */
export interface Link {
  readonly generation: number
  readonly model: ChannelModel
  closed: boolean
  publisher?: Promise<ConfirmChannel>
  /** The confirm channel once open: the hot path publishes without awaiting anything else. */
  openPublisher?: ConfirmChannel
  /** Confirm channels opened on this connection so far. */
  publishers: number
  admin?: Promise<Channel>
  /** Declarations made on this connection, by key: redone after a reconnect. */
  readonly declared: Map<string, Promise<unknown>>
  /** Keys of `declared` that completed. */
  readonly done: Set<string>
  /** Mandatory publishes the broker returned, by routing key and message id, until their confirm. */
  readonly returned: Map<string, number>
  drained?: Promise<void>
}

/** The connection's confirm channel, opened on first use and again after the broker closed it. */
export function publisherChannel(
  link: Link,
  setup: (ch: Channel) => Promise<void>,
  onError: (error: unknown, context: string) => void,
): Promise<ConfirmChannel> {
  if (!link.publisher) {
    // A publisher channel closed by the broker on a live connection usually means a missing
    // exchange (deleted behind our back): declare the exchanges again before going on.
    const again = link.publishers++ > 0
    const opening = (again ? adminChannel(link, onError).then(setup) : Promise.resolve())
      .then(() => link.model.createConfirmChannel())
      .then((ch) => {
        ch.on('error', (error) => onError(error, 'publisher channel'))
        ch.on('return', (message: Message) => {
          const headers: Record<string, unknown> = message.properties.headers ?? {}
          const id = (message.properties.messageId as unknown) ?? headers[messageIdHeader]
          const key = `${message.fields.routingKey}\u0000${String(id)}`
          link.returned.set(key, (link.returned.get(key) ?? 0) + 1)
        })
        ch.on('close', () => {
          if (link.publisher !== opening) return
          link.publisher = undefined
          link.openPublisher = undefined
        })
        link.openPublisher = ch
        return ch
      })
    opening.catch(() => {
      if (link.publisher === opening) link.publisher = undefined
    })
    link.publisher = opening
  }
  return link.publisher
}

/** The connection's channel for declarations; a refused declaration closes it, the next call reopens it. */
export function adminChannel(
  link: Link,
  onError: (error: unknown, context: string) => void,
): Promise<Channel> {
  if (!link.admin) {
    const opening = link.model.createChannel().then((ch) => {
      ch.on('error', (error) => onError(error, 'admin channel'))
      ch.on('close', () => {
        if (link.admin === opening) link.admin = undefined
      })
      return ch
    })
    opening.catch(() => {
      if (link.admin === opening) link.admin = undefined
    })
    link.admin = opening
  }
  return link.admin
}
