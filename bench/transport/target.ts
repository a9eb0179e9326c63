import type { Sample } from './measure.js'

/** The payload every contender sends: a typical small domain event. */
export const payload = (i: number, sentAt: number) => ({
  todoId: `todo-${i}`,
  text: 'Buy milk and a loaf of bread on the way home',
  assignee: { id: 'user-17', name: 'Ada' },
  tags: ['home', 'errand'],
  sentAt,
})

/**
 * One side of the comparison. Each scenario starts with empty queues, runs to completion and
 * reports every message's latency (send start -> handler) or every round trip's.
 */
export interface Target {
  readonly name: string
  /** `count` messages sent to a queue, `window` sends awaiting their confirm at once, consumer prefetch `prefetch`. */
  sendConsume(count: number, window: number, prefetch: number): Promise<Sample>
  /** The same through the topic exchange to a group's queue. */
  publishSubscribe(count: number, window: number, prefetch: number): Promise<Sample>
  /** `count` request/reply round trips by `callers` concurrent callers. */
  rpc(count: number, callers: number): Promise<Sample>
  close(): Promise<void>
}
