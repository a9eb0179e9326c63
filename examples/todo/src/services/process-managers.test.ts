import type { IncomingMessage } from '@acta/core'
import { startService, type RunningService } from '@acta/service'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { todoStream, type TodoEvent } from '../shared/messages.js'
import { processManagersService, type ProcessManagersResources } from './process-managers.js'

let service: RunningService<ProcessManagersResources>
const received: IncomingMessage[] = []
beforeAll(async () => {
  service = await startService(processManagersService({ pollIntervalMs: 50 }), {
    config: { port: 0, databaseUrl: 'memory', transportUrl: 'memory', logLevel: 'silent' },
  })
  // stand-ins for todo-write and the mailer: the queues the process managers send to
  for (const queue of ['commands.mark-todo-as-expired', 'commands.send-mail'])
    await service.context.transport.consume(queue, (message) => void received.push(message))
})
afterAll(() => service?.stop())

const record = (todoId: string, ...events: TodoEvent[]) =>
  service.context.store.append(todoStream(todoId), events)

describe('the process-managers service', () => {
  it('sends mark-todo-as-expired when the deadline comes, then mails the assignee once the todo expired', async () => {
    // Given a todo whose deadline is 300 ms ahead
    const deadline = new Date(Date.now() + 300).toISOString()
    await record(
      't-due',
      {
        type: 'TodoWasPosted',
        data: { todo_id: 't-due', assignee_id: 'u-1', text: 'pay rent', status: 'OPEN' },
      },
      { type: 'DeadlineWasAddedToTodo', data: { todo_id: 't-due', user_id: 'u-1', deadline } },
    )
    // Then the scheduler sends the expiry to todo-write's queue, with a message id for its inbox
    await expect
      .poll(() => received.find((message) => message.type === 'mark-todo-as-expired'), { timeout: 10_000 })
      .toBeDefined()
    const expiry = received.find((message) => message.type === 'mark-todo-as-expired')!
    expect(expiry.data).toEqual({ todo_id: 't-due' })
    expect(expiry.headers.messageId).toMatch(/^[0-9a-f-]{36}$/)

    // When todo-write records the expiry
    await record('t-due', {
      type: 'TodoWasMarkedAsExpired',
      data: { todo_id: 't-due', assignee_id: 'u-1', old_status: 'OPEN', new_status: 'EXPIRED' },
    })
    // Then the assignee is mailed
    await expect
      .poll(() => received.find((message) => message.type === 'send-mail')?.data, { timeout: 10_000 })
      .toEqual({
        user_id: 'u-1',
        subject: 'Todo expired',
        todo_id: 't-due',
        text: `Your todo "pay rent" expired: its deadline ${deadline} has passed.`,
      })
  })

  it('sends nothing for a todo done before its deadline', async () => {
    // Given a todo with a deadline 300 ms ahead, done at once
    await record(
      't-done',
      {
        type: 'TodoWasPosted',
        data: { todo_id: 't-done', assignee_id: 'u-1', text: 'call mum', status: 'OPEN' },
      },
      {
        type: 'DeadlineWasAddedToTodo',
        data: { todo_id: 't-done', user_id: 'u-1', deadline: new Date(Date.now() + 300).toISOString() },
      },
      {
        type: 'TodoWasMarkedAsDone',
        data: { todo_id: 't-done', assignee_id: 'u-1', old_status: 'OPEN', new_status: 'DONE' },
      },
    )
    // Then its timer is cancelled, so no expiry can be sent
    const { readSide, stores } = service.context.models
    expect(await readSide.waitFor('todo_deadlines', await service.context.store.headPosition())).toBe(true)
    await expect.poll(async () => (await stores.schedules.pending()).length, { timeout: 10_000 }).toBe(0)
    expect(received.filter((message) => (message.data as { todo_id?: string }).todo_id === 't-done')).toEqual(
      [],
    )
  })
})
