import { afterEach, describe, expect, it } from 'vitest'
import { memoryCoordination } from './coordination.js'
import { memoryDocumentStore } from './memory-document-store.js'
import { memoryEventStore } from './memory-event-store.js'
import type { Command, StoredEvent } from './messages.js'
import { defineProcessManager } from './process-manager.js'
import { createReadSide } from './read-side.js'
import { memoryScheduleStore } from './schedule-store.js'
import { startScheduler, type Scheduler } from './scheduler.js'

type TodoEvent =
  | { type: 'TodoWasPosted'; data: { todoId: string } }
  | { type: 'DeadlineWasAddedToTodo'; data: { todoId: string; deadline: string } }
  | { type: 'TodoWasMarkedAsDone'; data: { todoId: string } }

const deadlines = (dispatch: (command: Command) => Promise<unknown>, schedules = memoryScheduleStore()) =>
  defineProcessManager<TodoEvent, { deadline?: string; posted: boolean }>(
    {
      name: 'todo_deadlines',
      correlate: {
        TodoWasPosted: (event) => event.data.todoId,
        DeadlineWasAddedToTodo: (event) => event.data.todoId,
        TodoWasMarkedAsDone: (event) => event.data.todoId,
      },
      initialState: { posted: false },
      handle(state, event) {
        switch (event.type) {
          case 'TodoWasPosted':
            return {
              state: { ...state, posted: true },
              commands: [{ type: 'notify-assignee', data: event.data }],
            }
          case 'DeadlineWasAddedToTodo':
            return {
              state: { ...state, deadline: event.data.deadline },
              schedule: [
                {
                  id: 'expire',
                  at: new Date(event.data.deadline),
                  command: { type: 'mark-todo-as-expired', data: { todoId: event.data.todoId } },
                },
              ],
            }
          case 'TodoWasMarkedAsDone':
            return { cancel: ['expire'], done: true }
        }
      },
    },
    { dispatch, schedules },
  )

describe('process managers', () => {
  const running: { stop(): Promise<void> }[] = []
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop()))
  })

  it('sends commands with causation, correlation and a derived id, once per event even when replayed', async () => {
    const store = memoryEventStore()
    const documents = memoryDocumentStore()
    const sent: Command[] = []
    const readSide = createReadSide({ store, documents, leases: memoryCoordination().leases })
    running.push(readSide)
    readSide.register(deadlines(async (command) => sent.push(command)))
    await readSide.start()
    const posted = await store.append('todo-1', [
      { type: 'TodoWasPosted', data: { todoId: 't1' }, metadata: { correlationId: 'c-1' } },
    ])
    await readSide.waitFor('todo_deadlines', posted.position)
    const stored = posted.events[0] as StoredEvent
    await expect.poll(() => sent.length).toBe(1)
    expect(sent[0]).toMatchObject({
      type: 'notify-assignee',
      metadata: {
        correlationId: 'c-1',
        causationId: stored.eventId,
        sender: 'process-manager:todo_deadlines',
      },
    })
    expect(sent[0]?.metadata?.messageId).toMatch(/^[0-9a-f-]{36}$/)
    const state = await readSide.collection('todo_deadlines', 'todo_deadlines_state').get('t1')
    expect(state).toMatchObject({ correlationId: 't1', state: { posted: true } })

    // a rebuild replays the same event: the command carries the same id, so the receiver drops it
    await readSide.rebuild('todo_deadlines')
    await expect.poll(async () => (await documents.activeBuild('todo_deadlines')) === 2).toBe(true)
    await expect.poll(() => sent.length).toBe(2)
    expect(sent[1]?.metadata?.messageId).toBe(sent[0]?.metadata?.messageId)
    expect((await readSide.status())[0]).toMatchObject({ kind: 'process-manager', state: 'running' })
  })

  it('schedules a timeout that fires through the scheduler, and cancels it when the process ends', async () => {
    const store = memoryEventStore()
    const documents = memoryDocumentStore()
    const schedules = memoryScheduleStore()
    const fired: Command[] = []
    const readSide = createReadSide({ store, documents, leases: memoryCoordination().leases })
    running.push(readSide)
    readSide.register(deadlines(async () => undefined, schedules))
    await readSide.start()
    const scheduler: Scheduler = startScheduler({
      schedules,
      pollIntervalMs: 20,
      dispatch: (entry) => void fired.push({ type: entry.payload.type, data: entry.payload.data }),
    })
    running.push(scheduler)
    const soon = new Date(Date.now() + 150).toISOString()
    const later = new Date(Date.now() + 60_000).toISOString()
    await store.append('todo-1', [{ type: 'DeadlineWasAddedToTodo', data: { todoId: 't1', deadline: soon } }])
    const last = await store.append('todo-2', [
      { type: 'DeadlineWasAddedToTodo', data: { todoId: 't2', deadline: later } },
      { type: 'TodoWasMarkedAsDone', data: { todoId: 't2' } },
    ])
    await readSide.waitFor('todo_deadlines', last.position)
    await expect
      .poll(() => fired, { timeout: 3000 })
      .toEqual([{ type: 'mark-todo-as-expired', data: { todoId: 't1' } }])
    await expect.poll(async () => (await schedules.get('todo_deadlines:t2:expire'))?.status).toBe('cancelled')
    expect(await readSide.collection('todo_deadlines', 'todo_deadlines_state').get('t2')).toBeUndefined()
  })
})
