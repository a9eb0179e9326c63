import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createReadSide,
  defineProcessManager,
  nameBasedUuid,
  scheduledCommand,
  startScheduler,
  type Command,
  type EventStore,
} from '@acta/core'
import { sqliteCoordination, sqliteDocumentStore, sqliteEventStore, sqliteScheduleStore } from '@acta/sqlite'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'acta-pm-restart-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const path = join(dir, 'acta.db')

type DeadlineEvent =
  | { type: 'DeadlineWasAddedToTodo'; data: { todoId: string; deadline: string } }
  | { type: 'TodoWasMarkedAsExpired'; data: { todoId: string } }

/** One "process": the store, a read side running the deadline process manager, and the scheduler. */
function startProcess() {
  const store = sqliteEventStore({ path })
  const documents = sqliteDocumentStore({ path })
  const schedules = sqliteScheduleStore({ path })
  const coordination = sqliteCoordination({ path })
  // the command handler: appends the expiry, with an event id derived from the message id
  const dispatch = async (command: Command) => {
    const { todoId } = command.data as { todoId: string }
    const eventId = await nameBasedUuid(`${String(command.metadata?.messageId)}:0`)
    await store.append(`todo-${todoId}`, [{ type: 'TodoWasMarkedAsExpired', data: { todoId }, eventId }])
  }
  const readSide = createReadSide({ store, documents, leases: coordination.leases, leaseTtlMs: 500 })
  readSide.register(
    defineProcessManager<DeadlineEvent, { deadline?: string }>(
      {
        name: 'deadlines',
        correlate: { DeadlineWasAddedToTodo: (event) => event.data.todoId },
        initialState: {},
        handle: (_state, event) =>
          event.type === 'DeadlineWasAddedToTodo'
            ? {
                state: { deadline: event.data.deadline },
                schedule: [
                  {
                    id: 'expire',
                    at: new Date(event.data.deadline),
                    command: { type: 'mark-todo-as-expired', data: { todoId: event.data.todoId } },
                  },
                ],
              }
            : {},
      },
      { dispatch, schedules },
    ),
  )
  const scheduler = startScheduler({
    schedules,
    pollIntervalMs: 50,
    dispatch: (entry) => dispatch(scheduledCommand(entry)),
  })
  return {
    store,
    readSide,
    schedules,
    async stop() {
      await scheduler.stop()
      await readSide.stop()
      await coordination.close()
      await schedules.close()
      await documents.close()
      await store.close()
    },
  }
}

const expiries = async (store: EventStore) =>
  (await store.readStream('todo-t1')).events.filter((event) => event.type === 'TodoWasMarkedAsExpired')

describe('process manager timeouts across a restart', () => {
  it('fires a timeout that fell due while nothing ran, exactly once', async () => {
    const first = startProcess()
    await first.readSide.start()
    const deadline = new Date(Date.now() + 1500)
    const added = await first.store.append('todo-t1', [
      { type: 'DeadlineWasAddedToTodo', data: { todoId: 't1', deadline: deadline.toISOString() } },
    ])
    expect(await first.readSide.waitFor('deadlines', added.position)).toBe(true)
    await expect.poll(async () => (await first.schedules.get('deadlines:t1:expire'))?.status).toBe('pending')
    await first.stop()

    // nothing runs while the deadline passes
    await new Promise((resolve) => setTimeout(resolve, deadline.getTime() - Date.now() + 300))

    const second = startProcess()
    await second.readSide.start()
    await expect.poll(async () => (await expiries(second.store)).length, { timeout: 10_000 }).toBe(1)
    await expect.poll(async () => (await second.schedules.get('deadlines:t1:expire'))?.status).toBe('done')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await expiries(second.store)).toHaveLength(1)
    await second.stop()
  }, 30_000)
})
