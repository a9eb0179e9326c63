import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  commandHandler,
  createReadSide,
  defineProcessManager,
  defineProjection,
  type Command,
  type Decider,
  startOutboxRelay,
  type EventStore,
  type ReadSide,
} from '@acta/core'
import { openInfrastructure, openReadStores, startService, type LogLevel } from '@acta/service'
import { adminService, type ServicesStatus } from './admin-service.js'

type TodoCommand =
  | { type: 'post-todo'; data: { todoId: string; text: string } }
  | { type: 'add-deadline-to-todo'; data: { todoId: string; deadline: string } }
  | { type: 'schedule-reminder'; data: { todoId: string; at: string } }
  | { type: 'mark-todo-as-done'; data: { todoId: string } }
type TodoEvent =
  | { type: 'TodoWasPosted'; data: { todoId: string; text: string } }
  | { type: 'DeadlineWasAddedToTodo'; data: { todoId: string; deadline: string } }
  | { type: 'ReminderWasScheduled'; data: { todoId: string; at: string } }
  | { type: 'TodoWasMarkedAsDone'; data: { todoId: string } }
interface TodoState {
  status: 'NONE' | 'OPEN' | 'DONE'
  text: string | null
  deadline: string | null
  reminders: string[]
}

/** A small todo domain: enough for time travel, a process-manager hop and a projection. */
export const todoDecider: Decider<TodoCommand, TodoEvent, TodoState> = {
  initialState: () => ({ status: 'NONE', text: null, deadline: null, reminders: [] }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'TodoWasPosted':
        return { ...state, status: 'OPEN', text: event.data.text }
      case 'DeadlineWasAddedToTodo':
        return { ...state, deadline: event.data.deadline }
      case 'ReminderWasScheduled':
        return { ...state, reminders: [...state.reminders, event.data.at] }
      case 'TodoWasMarkedAsDone':
        return { ...state, status: 'DONE' }
    }
  },
  decide: (command) => {
    switch (command.type) {
      case 'post-todo':
        return { type: 'TodoWasPosted', data: command.data }
      case 'add-deadline-to-todo':
        return { type: 'DeadlineWasAddedToTodo', data: command.data }
      case 'schedule-reminder':
        return { type: 'ReminderWasScheduled', data: command.data }
      case 'mark-todo-as-done':
        return { type: 'TodoWasMarkedAsDone', data: command.data }
    }
  },
}

export interface DashboardFixture {
  /** The admin service's base URL; the app is at `${url}/_acta/`. */
  url: string
  appUrl: string
  token: string
  /** What the seeded data holds, for the browser checks. */
  seeded: {
    stream: string
    category: string
    projection: string
    processManager: string
    /** A correlation whose flow goes command -> event -> process manager -> command -> event. */
    correlationWithHop: string
    sender: string
    deadLetterType: string
    /** The outbox relay the fixture runs (a consumer with a holder). */
    consumer: string
    /** The queue of the first dead letter, which holds it parked. */
    queue: string
    queueParked: boolean
  }
  store: EventStore
  readSide: ReadSide
  /** Makes one more dead letter (a mail a failing consumer gave up on) on a new queue; returns the queue. */
  addDeadLetter(): Promise<string>
  stop(): Promise<void>
}

/**
 * Starts the admin service over SQLite in a temporary directory with seeded data: todos and users
 * across categories, a projection and a process manager run in-process, an outbox relay, a parked event, a dead
 * letter, a correlation with a process-manager hop, a decider for time travel, and a fake gateway
 * status with a healthy and a failing replica.
 *
 * @example
 * const fixture = await startDashboardFixture()
 * console.log(`${fixture.appUrl}#token=${fixture.token}`)
 */
export async function startDashboardFixture(
  options: { port?: number; token?: string; logLevel?: LogLevel } = {},
): Promise<DashboardFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'acta-dashboard-'))
  const databaseUrl = `sqlite:${join(dir, 'acta.db')}`
  const infrastructure = await openInfrastructure({
    databaseUrl,
    transportUrl: `sqlite:${join(dir, 'transport.db')}`,
  })
  const readStores = await openReadStores(databaseUrl)
  const { store, transport } = infrastructure
  const token = options.token ?? 'dashboard-fixture-token-0123456789'
  const handle = commandHandler({ decider: todoDecider, store, streamId: (c) => `todo-${c.data.todoId}` })
  const send = async (command: Command) => {
    const result = await handle(command as TodoCommand)
    if (!result.ok) throw result.error
  }

  const readSide = createReadSide({
    store,
    documents: readStores.documents,
    leases: infrastructure.leases,
    leaseTtlMs: 3000,
    batchSize: 50,
    attempts: 1,
    retryDelayMs: 10,
  })
  readSide.register(todoList)
  readSide.register(sensorCounts)
  readSide.register(deadlines(send, readStores.schedules))
  await readSide.start()
  const relay = startOutboxRelay({
    store,
    transport,
    checkpoints: infrastructure.checkpoints,
    leases: infrastructure.leases,
    owner: 'dashboard-fixture-relay',
  })

  const services = (): ServicesStatus => ({
    services: {
      'todo-write': {
        upstreams: [
          {
            url: 'http://127.0.0.1:4101',
            healthy: true,
            inFlight: 1,
            requests: 42,
            failures: 0,
            lastError: null,
          },
          {
            url: 'http://127.0.0.1:4102',
            healthy: true,
            inFlight: 0,
            requests: 40,
            failures: 0,
            lastError: null,
          },
        ],
      },
      'todo-read': {
        upstreams: [
          {
            url: 'http://127.0.0.1:4201',
            healthy: false,
            inFlight: 0,
            requests: 17,
            failures: 3,
            lastError: {
              message: 'connect ECONNREFUSED',
              code: 'ECONNREFUSED',
              at: new Date().toISOString(),
            },
          },
        ],
      },
    },
  })
  const running = await startService(
    adminService({
      token,
      readStores,
      deciders: { todo: todoDecider },
      services,
      sampleIntervalMs: 1000,
    }),
    { infrastructure, config: { port: options.port ?? 0, logLevel: options.logLevel ?? 'warn' } },
  )

  const correlationWithHop = 'flow-deadline-1'
  await send({
    type: 'post-todo',
    data: { todoId: '1', text: 'Write the dashboard' },
    metadata: { correlationId: 'flow-post-1' },
  })
  await send({
    type: 'add-deadline-to-todo',
    data: { todoId: '1', deadline: new Date(Date.now() + 3_600_000).toISOString() },
    metadata: { correlationId: correlationWithHop },
  })
  await send({ type: 'post-todo', data: { todoId: '2', text: 'Review it' } })
  await send({ type: 'mark-todo-as-done', data: { todoId: '2' } })
  await send({ type: 'post-todo', data: { todoId: '3', text: 'poison' } })
  for (const [i, name] of ['Ada', 'Grace', 'Edsger'].entries())
    await store.append(`user-${i + 1}`, [{ type: 'UserWasRegistered', data: { name } }])
  for (let batch = 0; batch < 6; batch++)
    await store.append(
      `sensor-${batch % 3}`,
      Array.from({ length: 100 }, (_, n) => ({
        type: 'TemperatureWasMeasured',
        data: { celsius: 18 + (n % 7) },
      })),
    )

  const addDeadLetter = async () => {
    const queue = `mail-${Date.now().toString(36)}`
    const consumer = await transport.consume(
      queue,
      () => {
        throw new Error('SMTP server refused the message: 550 mailbox unavailable')
      },
      { maxAttempts: 1 },
    )
    await transport.send(queue, {
      type: 'send-reminder-mail',
      data: { todoId: '1', to: 'someone@example.com' },
    })
    const deadline = Date.now() + 10_000
    while (!(await transport.listDeadLetters(queue)).length) {
      if (Date.now() > deadline) throw new Error('the dead letter did not appear')
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    await consumer.close()
    return queue
  }
  const parkedQueue = await addDeadLetter()
  const head = await store.headPosition()
  for (const name of ['todo_list', 'sensor_counts', 'todo_deadlines'])
    await readSide.waitFor(name, head, 30_000)
  const relayDeadline = Date.now() + 30_000
  while (((await infrastructure.checkpoints.load('outbox-relay')) ?? 0) < head) {
    if (Date.now() > relayDeadline) throw new Error('the outbox relay did not catch up')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }

  return {
    url: running.url,
    appUrl: `${running.url}/_acta/`,
    token,
    seeded: {
      stream: 'todo-1',
      category: 'todo',
      projection: 'sensor_counts',
      processManager: 'todo_deadlines',
      correlationWithHop,
      sender: 'process-manager:todo_deadlines',
      deadLetterType: 'send-reminder-mail',
      consumer: 'outbox-relay',
      queue: parkedQueue,
      queueParked: true,
    },
    store,
    readSide,
    addDeadLetter,
    async stop() {
      await relay.stop()
      await readSide.stop()
      await running.stop()
      await readStores.close()
      await infrastructure.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const todoList = defineProjection({
  name: 'todo_list',
  version: 1,
  collections: { todos: {} },
  onFailure: 'park',
  handlers: {
    TodoWasPosted: async (event, ctx) => {
      const { todoId, text } = event.data as { todoId: string; text: string }
      if (text === 'poison') throw new Error('The todo list refuses a todo called "poison"')
      await ctx.collection('todos').put(todoId, { text, done: false })
    },
    TodoWasMarkedAsDone: async (event, ctx) => {
      await ctx.collection('todos').patch((event.data as { todoId: string }).todoId, { done: true })
    },
  },
})

/** Slow on purpose (a few ms per event), so a rebuild takes long enough to watch its progress. */
const sensorCounts = defineProjection({
  name: 'sensor_counts',
  version: 1,
  collections: { sensor_counts: {} },
  handlers: {
    TemperatureWasMeasured: async (event, ctx) => {
      await new Promise((resolve) => setTimeout(resolve, 4))
      const counts = ctx.collection<{ measurements: number }>('sensor_counts')
      const current = await counts.get(event.streamId)
      await counts.put(event.streamId, { measurements: (current?.measurements ?? 0) + 1 })
    },
  },
})

/** On a deadline: a reminder now (a command: the flow's process-manager hop) and an expiry timer. */
const deadlines = (
  dispatch: (command: Command) => Promise<unknown>,
  schedules: Parameters<typeof defineProcessManager>[1]['schedules'],
) =>
  defineProcessManager<
    Extract<TodoEvent, { type: 'DeadlineWasAddedToTodo' | 'TodoWasMarkedAsDone' }>,
    { deadline: string }
  >(
    {
      name: 'todo_deadlines',
      correlate: {
        DeadlineWasAddedToTodo: (event) => event.data.todoId,
        TodoWasMarkedAsDone: (event) => event.data.todoId,
      },
      initialState: { deadline: '' },
      handle: (_state, event) =>
        event.type === 'DeadlineWasAddedToTodo'
          ? {
              state: { deadline: event.data.deadline },
              commands: [
                { type: 'schedule-reminder', data: { todoId: event.data.todoId, at: event.data.deadline } },
              ],
              schedule: [
                {
                  id: 'expire',
                  at: new Date(event.data.deadline),
                  command: { type: 'mark-todo-as-expired', data: { todoId: event.data.todoId } },
                },
              ],
            }
          : { cancel: ['expire'], done: true },
    },
    { dispatch, schedules },
  )
