import type { ErrorCode, IncomingMessage, StoredEvent } from '@acta/core'

/** What became of a command sent to the queue, as the replica that sent it learns. */
export type Outcome =
  /** Its event is applied to this replica's model, at this log position. */
  | { readonly kind: 'recorded'; readonly position: number }
  /** The decider decided nothing (a delete of a missing key). */
  | { readonly kind: 'unchanged' }
  /** The command was refused for good. */
  | { readonly kind: 'refused'; readonly code: ErrorCode; readonly message: string }

/** The data of a reply a command handler publishes when its command recorded no event. */
export type OutcomeReply =
  | { readonly messageId: string; readonly kind: 'unchanged' }
  | {
      readonly messageId: string
      readonly kind: 'refused'
      readonly code: ErrorCode
      readonly message: string
    }

/** The type of reply messages. */
export const outcomeReplyType = 'CommandOutcome'

/** Requests of this replica waiting for their command's outcome. */
export interface CommandOutcomes {
  /**
   * The outcome of the command with `messageId`, or undefined after `timeoutMs`. Call it before
   * sending the command, so an outcome arriving early is not missed; `cancel` if the send fails.
   */
  expect(messageId: string, timeoutMs: number): { outcome: Promise<Outcome | undefined>; cancel(): void }
  /** Feeds an event applied to the model: its `causationId` is the command's messageId. */
  eventApplied(event: StoredEvent): void
  /** Feeds a reply message published by a command handler. */
  replied(message: IncomingMessage): void
}

/**
 * Matches outcomes to waiting requests. A command that records an event needs no reply: the event
 * itself, once this replica's model has applied it, is the answer (and carries the log position).
 * Only a command that records nothing is answered by a reply message.
 */
export function commandOutcomes(): CommandOutcomes {
  const waiting = new Map<string, (outcome: Outcome | undefined) => void>()
  const settle = (messageId: string, outcome: Outcome) => waiting.get(messageId)?.(outcome)

  return {
    expect(messageId, timeoutMs) {
      let finish!: (outcome: Outcome | undefined) => void
      const outcome = new Promise<Outcome | undefined>((resolve) => {
        finish = (result) => {
          clearTimeout(timer)
          waiting.delete(messageId)
          resolve(result)
        }
      })
      const timer = setTimeout(() => finish(undefined), timeoutMs)
      waiting.set(messageId, finish)
      return { outcome, cancel: () => finish(undefined) }
    },
    eventApplied(event) {
      if (waiting.size === 0) return
      const causation = event.metadata.causationId
      if (typeof causation === 'string')
        settle(causation, { kind: 'recorded', position: event.globalPosition })
    },
    replied(message) {
      const reply = message.data as Partial<OutcomeReply> | null
      if (typeof reply?.messageId !== 'string') return
      if (reply.kind === 'unchanged') settle(reply.messageId, { kind: 'unchanged' })
      else if (reply.kind === 'refused')
        settle(reply.messageId, {
          kind: 'refused',
          code: reply.code ?? 'INTERNAL',
          message: reply.message ?? 'The command was refused',
        })
    },
  }
}
