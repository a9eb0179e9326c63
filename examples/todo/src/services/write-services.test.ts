import { commandBus } from '@acta/core'
import { eventually } from '@acta/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { accept, expectProblem, postCommand, postedTodo, refuse } from '../checks/command-client.fixture.js'
import { ruleCheckTests } from '../checks/rules-checks.fixture.js'
import { todoStream } from '../shared/messages.js'
import { startWriteServices, type WriteServices } from './write-services.fixture.js'

describe('the write services behind a gateway (memory adapters, no read side)', () => {
  let services: WriteServices | undefined
  const current = () => {
    if (!services) throw new Error('the write services did not start')
    return services
  }
  beforeAll(async () => {
    services = await startWriteServices()
  })
  afterAll(() => services?.stop())

  describe('every rule over HTTP', () => ruleCheckTests(() => ({ baseUrl: current().url, reads: false })))

  it('answers an unknown command with 404 problem+json on a write service itself', async () => {
    await expectProblem(await postCommand(current().todoWrite.url, 'delete-everything', {}), 404)
    await expectProblem(await postCommand(current().userWrite.url, 'post-todo', {}), 404)
  })

  it('answers the 202 with the event types, the position, the stream and its version', async () => {
    const { url, infrastructure } = current()
    const { todo_id, user } = await postedTodo(url)
    const body = await accept(
      url,
      'add-deadline-to-todo',
      { todo_id, user_id: user.user_id, deadline: '2100-01-01T00:00:00+01:00' },
      ['DeadlineWasAddedToTodo'],
    )
    const stream = await infrastructure.store.readStream(todoStream(todo_id))
    expect(body).toEqual({
      events: ['DeadlineWasAddedToTodo'],
      position: stream.events[1]?.globalPosition,
      stream: todoStream(todo_id),
      version: 2,
    })
    expect(stream.events[1]?.data).toEqual({
      todo_id,
      user_id: user.user_id,
      deadline: '2099-12-31T23:00:00.000Z',
    })
  })

  it('records nothing for a refused command', async () => {
    const { url, infrastructure } = current()
    const { todo_id } = await postedTodo(url)
    const before = await infrastructure.store.headPosition()
    await refuse(url, 'reopen-todo', { todo_id }, 409)
    expect(await infrastructure.store.headPosition()).toBe(before)
  })
})

describe('the write and read services behind a gateway (memory adapters)', () => {
  let services: WriteServices | undefined
  beforeAll(async () => {
    services = await startWriteServices({ reads: true })
  })
  afterAll(() => services?.stop())

  describe('every rule over HTTP, read back with ?after=', () =>
    ruleCheckTests(() => {
      if (!services) throw new Error('the services did not start')
      return { baseUrl: services.url, reads: true }
    }))
})

describe('the queues todo-write serves for the process managers', () => {
  let services: WriteServices | undefined
  let offsetMs = 0
  const current = () => {
    if (!services) throw new Error('the write services did not start')
    return services
  }
  beforeAll(async () => {
    services = await startWriteServices({ clock: () => new Date(Date.now() + offsetMs) })
  })
  afterAll(() => services?.stop())

  const refusedCount = async (type: string, code: string) => {
    const metric = await current().todoWrite.metrics.getSingleMetric('acta_commands_refused_total')?.get()
    return metric?.values.find((v) => v.labels.type === type && v.labels.code === code)?.value ?? 0
  }

  it('expires a todo from its queue once the deadline passed, once for a redelivered command', async () => {
    // Given an OPEN todo whose deadline has passed by the service's clock
    const { url, infrastructure, todoWrite } = current()
    const { todo_id, user } = await postedTodo(url)
    await accept(
      url,
      'add-deadline-to-todo',
      { todo_id, user_id: user.user_id, deadline: '2100-01-01T00:00:00Z' },
      ['DeadlineWasAddedToTodo'],
    )
    offsetMs = Date.parse('2100-01-02T00:00:00Z') - Date.now()
    // When the deadline process manager sends mark-todo-as-expired twice with the same message id
    const bus = commandBus({ transport: infrastructure.transport })
    const command = {
      type: 'mark-todo-as-expired',
      data: { todo_id },
      metadata: { messageId: `expire-${todo_id}` },
    }
    await bus.send(command)
    await bus.send(command)
    // Then the todo is EXPIRED once, and the inbox remembers the message
    await eventually(
      async () => (await infrastructure.store.readStream(todoStream(todo_id))).version === 3,
      10_000,
      'the todo to expire',
    )
    await eventually(
      () =>
        infrastructure.inbox.has(
          `${todoWrite.context.service}:commands.mark-todo-as-expired`,
          `expire-${todo_id}`,
        ),
      10_000,
      'the message in the inbox',
    )
    const stream = await infrastructure.store.readStream(todoStream(todo_id))
    expect(stream.events.map((e) => e.type)).toEqual([
      'TodoWasPosted',
      'DeadlineWasAddedToTodo',
      'TodoWasMarkedAsExpired',
    ])
    offsetMs = 0
  })

  it('acknowledges a reminder the todo refuses (done meanwhile) instead of retrying it', async () => {
    // Given a todo with a reminder, marked as done before the reminder fell due
    const { url, infrastructure, todoWrite } = current()
    const { todo_id, user } = await postedTodo(url)
    const reminder = '2100-01-01T00:00:00.000Z'
    await accept(url, 'add-reminder-to-todo', { todo_id, user_id: user.user_id, reminder }, [
      'ReminderWasAddedToTodo',
    ])
    await accept(url, 'mark-todo-as-done', { todo_id }, ['TodoWasMarkedAsDone'])
    offsetMs = Date.parse('2100-01-02T00:00:00Z') - Date.now()
    const refusedBefore = await refusedCount('remind-todo-assignee', 'CONFLICT')
    // When the reminder process manager sends remind-todo-assignee
    const messageId = `remind-${todo_id}`
    await commandBus({ transport: infrastructure.transport }).send({
      type: 'remind-todo-assignee',
      data: { todo_id, reminder },
      metadata: { messageId },
    })
    // Then it is refused once (409), acknowledged, and nothing is recorded
    await eventually(
      () => infrastructure.inbox.has(`${todoWrite.context.service}:commands.remind-todo-assignee`, messageId),
      10_000,
      'the refused message to be acknowledged',
    )
    expect(await refusedCount('remind-todo-assignee', 'CONFLICT')).toBe(refusedBefore + 1)
    expect((await infrastructure.store.readStream(todoStream(todo_id))).version).toBe(3)
    expect(await infrastructure.transport.listDeadLetters('commands.remind-todo-assignee')).toEqual([])
    offsetMs = 0
  })
})
