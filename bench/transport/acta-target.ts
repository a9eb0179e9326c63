import { rabbitmqTransport } from '@acta/rabbitmq'
import { now, signal, windowed, type Sample } from './measure.js'
import { payload, type Target } from './target.js'

/** The Acta RabbitMQ adapter: a producer transport and a consumer transport, one connection each. */
export async function actaTarget(url: string, prefix: string): Promise<Target & { queues: string[] }> {
  const producer = rabbitmqTransport({ url, prefix, connectionName: `${prefix}-producer` })
  const consumer = rabbitmqTransport({ url, prefix, connectionName: `${prefix}-consumer` })
  await Promise.all([producer.ready(), consumer.ready()])
  const queues: string[] = []
  let run = 0

  const measure = async (
    count: number,
    window: number,
    start: (handler: (data: unknown) => void) => Promise<{ close(): Promise<void> }>,
    send: (i: number) => Promise<void>,
  ): Promise<Sample> => {
    const latencies = new Array<number>(count)
    let received = 0
    const done = signal()
    const subscription = await start((data) => {
      latencies[received++] = now() - (data as { sentAt: number }).sentAt
      if (received === count) done.resolve()
    })
    const began = now()
    await windowed(count, window, send)
    await done.promise
    const seconds = (now() - began) / 1000
    await subscription.close()
    return { ops: count, seconds, latencies }
  }

  return {
    name: 'acta',
    queues,

    async sendConsume(count, window, prefetch) {
      const queue = `send-${++run}`
      queues.push(`${prefix}.q.${queue}`)
      return measure(
        count,
        window,
        (handler) => consumer.consume(queue, (m) => handler(m.data), { concurrency: prefetch }),
        (i) => producer.send(queue, { type: 'TodoWasPosted', data: payload(i, now()) }),
      )
    },

    async publishSubscribe(count, window, prefetch) {
      const topic = `bench.r${++run}.TodoWasPosted`
      const group = `bench-${run}`
      queues.push(`${prefix}.q.group.${group}`)
      return measure(
        count,
        window,
        (handler) => consumer.subscribe([topic], (m) => handler(m.data), { group, concurrency: prefetch }),
        (i) => producer.publish(topic, { type: 'TodoWasPosted', data: payload(i, now()) }),
      )
    },

    async rpc(count, callers) {
      const service = `todo-read-${++run}`
      queues.push(`${prefix}.q.rpc.${service}`)
      const responder = await consumer.respond(service, (m) => ({ found: true, todo: m.data }))
      const latencies: number[] = []
      const began = now()
      await windowed(count, callers, async (i) => {
        const start = now()
        await producer.request(service, { type: 'GetTodo', data: { todoId: `todo-${i}` } })
        latencies.push(now() - start)
      })
      const seconds = (now() - began) / 1000
      await responder.close()
      return { ops: count, seconds, latencies }
    },

    async close() {
      await Promise.all([producer.close(), consumer.close()])
    },
  }
}
