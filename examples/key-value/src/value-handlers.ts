import { commandHandler, type CommandResult } from '@acta/core'
import type { ServiceContext } from '@acta/service'
import { outcomeReplyType, type OutcomeReply } from './command-outcomes.js'
import {
  keyValue,
  streamOf,
  type DeleteValue,
  type PutValue,
  type ValueCommand,
  type ValueEvent,
} from './key-value.js'

/** Codes the command bus redelivers instead of treating as a final refusal. */
const retriable = new Set(['CONCURRENCY', 'UNAVAILABLE', 'TIMEOUT'])

/**
 * Registers the PutValue and DeleteValue handlers on the service's command bus. They run on
 * whichever replica takes the command from the queue; a command that records no event is
 * answered with a reply to the topic its sender named in `metadata.replyTopic`.
 */
export function registerValueHandlers(ctx: ServiceContext): void {
  const { store, transport } = ctx
  const streamId = (command: ValueCommand) => streamOf(command.data.key)
  const put = commandHandler({
    decider: keyValue,
    store,
    streamId,
    // a put does not depend on the current value: no read, and the append takes any version, so
    // concurrent puts to one key never conflict (the log decides their order)
    stages: (stages) => [stages.decide, stages.enrich, stages.append],
  })
  const remove = commandHandler({
    decider: keyValue,
    store,
    streamId,
    retryOnConflict: 5,
    snapshot: { every: 100 },
  })

  ctx.commandBus.register<PutValue>('PutValue', async (command) => answer(command, await put(command)))
  ctx.commandBus.register<DeleteValue>('DeleteValue', async (command) =>
    answer(command, await remove(command)),
  )

  async function answer(
    command: ValueCommand,
    result: CommandResult<ValueEvent, string | undefined>,
  ): Promise<CommandResult<ValueEvent, string | undefined>> {
    const replyTopic = command.metadata?.replyTopic
    const messageId = command.metadata?.messageId
    if (typeof replyTopic !== 'string' || typeof messageId !== 'string') return result
    let reply: OutcomeReply
    if (result.ok) {
      if (result.events.length > 0) return result
      // a redelivered delete finds the key gone by its own first delivery: that event is the answer
      const last = await store.readStream(streamId(command), { direction: 'backwards', limit: 1 })
      if (last.events[0]?.metadata.causationId === messageId) return result
      reply = { messageId, kind: 'unchanged' }
    } else {
      if (retriable.has(result.error.code)) return result
      reply = { messageId, kind: 'refused', code: result.error.code, message: result.error.message }
    }
    await transport.publish(replyTopic, { type: outcomeReplyType, data: reply })
    return result
  }
}
