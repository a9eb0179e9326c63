import type { OutgoingMessage, Transport } from '@acta/core'
import { eventually } from './event-store-assertions.js'

/**
 * Parks one message on `queue`, as a consumer that gives up at once would: a failing consumer
 * (one attempt) takes it, the transport parks it, the consumer closes. Resolves once it is listed
 * among the queue's dead letters.
 *
 * @example
 * await parkMessage(transport, 'todo-write', { type: 'post-todo', data: {} })
 */
export async function parkMessage(
  transport: Transport,
  queue: string,
  message: OutgoingMessage,
): Promise<void> {
  const before = (await transport.listDeadLetters(queue)).length
  const failing = await transport.consume(
    queue,
    () => {
      throw new Error(`parked on purpose (${queue})`)
    },
    { maxAttempts: 1 },
  )
  try {
    await transport.send(queue, message)
    await eventually(
      async () => (await transport.listDeadLetters(queue)).length > before,
      10_000,
      `a parked message on ${queue}`,
    )
  } finally {
    await failing.close()
  }
}
