import { randomUUID } from 'node:crypto'
import amqp, { type ConfirmChannel, type ConsumeMessage } from 'amqplib'
import { now, signal, windowed, type Sample } from './measure.js'
import { payload, type Target } from './target.js'

/**
 * Plain amqplib doing the same work as the adapter: durable classic queues, persistent JSON
 * messages with messageId/type/contentType, publisher confirms awaited per message, manual acks
 * with the same prefetch; RPC with an exclusive reply queue, the reply published with a confirm
 * before the request is acked.
 */
export async function rawTarget(url: string, prefix: string): Promise<Target & { queues: string[] }> {
  // TCP_NODELAY as the adapter sets it: without it Nagle's algorithm holds small frames back.
  const socket = { noDelay: true }
  const producer = await amqp.connect(url, {
    ...socket,
    clientProperties: { connection_name: `${prefix}-producer` },
  })
  const consumer = await amqp.connect(url, {
    ...socket,
    clientProperties: { connection_name: `${prefix}-consumer` },
  })
  const publisher = await producer.createConfirmChannel()
  const replier = await consumer.createConfirmChannel()
  const admin = await producer.createChannel()
  const events = `${prefix}.events`
  await admin.assertExchange(events, 'topic', { durable: true })
  const queues: string[] = []
  let run = 0

  const confirmed = (
    ch: ConfirmChannel,
    exchange: string,
    key: string,
    body: Buffer,
    options: amqp.Options.Publish,
  ) =>
    new Promise<void>((resolve, reject) => {
      ch.publish(exchange, key, body, options, (error: unknown) =>
        error ? reject(error instanceof Error ? error : new Error('publish refused')) : resolve(),
      )
    })
  const message = (i: number) => ({
    body: Buffer.from(JSON.stringify(payload(i, now()))),
    options: {
      persistent: true,
      contentType: 'application/json',
      type: 'TodoWasPosted',
      messageId: randomUUID(),
      headers: {},
    },
  })

  const measure = async (
    queue: string,
    count: number,
    window: number,
    prefetch: number,
    send: (i: number) => Promise<void>,
  ): Promise<Sample> => {
    const latencies = new Array<number>(count)
    let received = 0
    const done = signal()
    const ch = await consumer.createChannel()
    await ch.prefetch(prefetch)
    const { consumerTag } = await ch.consume(
      queue,
      (delivery) => {
        if (!delivery) return
        const data = JSON.parse(delivery.content.toString('utf8')) as { sentAt: number }
        latencies[received++] = now() - data.sentAt
        ch.ack(delivery)
        if (received === count) done.resolve()
      },
      { noAck: false },
    )
    const began = now()
    await windowed(count, window, send)
    await done.promise
    const seconds = (now() - began) / 1000
    await ch.cancel(consumerTag)
    await ch.close()
    return { ops: count, seconds, latencies }
  }

  return {
    name: 'raw amqplib',
    queues,

    async sendConsume(count, window, prefetch) {
      const queue = `${prefix}.send-${++run}`
      queues.push(queue)
      await admin.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'classic' } })
      return measure(queue, count, window, prefetch, (i) => {
        const { body, options } = message(i)
        return confirmed(publisher, '', queue, body, { ...options, mandatory: true })
      })
    },

    async publishSubscribe(count, window, prefetch) {
      const topic = `bench.r${++run}.TodoWasPosted`
      const queue = `${prefix}.group-${run}`
      queues.push(queue)
      await admin.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'classic' } })
      await admin.bindQueue(queue, events, topic)
      return measure(queue, count, window, prefetch, (i) => {
        const { body, options } = message(i)
        return confirmed(publisher, events, topic, body, options)
      })
    },

    async rpc(count, callers) {
      const queue = `${prefix}.rpc-${++run}`
      queues.push(queue)
      await admin.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'classic' } })
      const replies = await producer.createChannel()
      const { queue: replyQueue } = await replies.assertQueue('', { exclusive: true })
      const waiting = new Map<string, () => void>()
      await replies.consume(
        replyQueue,
        (reply) => {
          if (!reply) return
          JSON.parse(reply.content.toString('utf8'))
          const id = reply.properties.correlationId as string
          waiting.get(id)?.()
          waiting.delete(id)
        },
        { noAck: true },
      )
      const serving = await consumer.createChannel()
      await serving.prefetch(10)
      const { consumerTag } = await serving.consume(queue, (request: ConsumeMessage | null) => {
        if (!request) return
        const data = JSON.parse(request.content.toString('utf8')) as unknown
        const body = Buffer.from(JSON.stringify({ found: true, todo: data }))
        replier.publish(
          '',
          request.properties.replyTo as string,
          body,
          {
            contentType: 'application/json',
            type: 'GetTodo.reply',
            correlationId: request.properties.messageId as string,
            messageId: randomUUID(),
          },
          () => serving.ack(request),
        )
      })
      const latencies: number[] = []
      const began = now()
      await windowed(count, callers, async (i) => {
        const start = now()
        const id = randomUUID()
        const reply = new Promise<void>((resolve) => waiting.set(id, resolve))
        const body = Buffer.from(JSON.stringify({ todoId: `todo-${i}` }))
        await confirmed(publisher, '', queue, body, {
          contentType: 'application/json',
          type: 'GetTodo',
          messageId: id,
          replyTo: replyQueue,
          expiration: '5000',
          persistent: false,
        })
        await reply
        latencies.push(now() - start)
      })
      const seconds = (now() - began) / 1000
      await serving.cancel(consumerTag)
      await serving.close()
      await replies.close()
      return { ops: count, seconds, latencies }
    },

    async close() {
      await producer.close()
      await consumer.close()
    },
  }
}
