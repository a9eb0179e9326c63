import {
  createReadSide,
  defineProcessManager,
  defineProjection,
  memoryCoordination,
  memoryEventStore,
  memoryTransport,
} from '@acta/core'
import { openReadStores, startService, type Infrastructure, type RunningService } from '@acta/service'
import { afterEach, describe, expect, it } from 'vitest'
import { adminService } from './admin-service.js'
import { timerScanLimit } from './read-side-routes.js'

const token = 'test-admin-token-0123456789'
const auth = { authorization: `Bearer ${token}` }

type Todo = { text: string; done: boolean }

const todoList = defineProjection({
  name: 'todo_list',
  version: 1,
  collections: { todos: {} },
  onFailure: 'park',
  handlers: {
    TodoWasPosted: async (event, ctx) => {
      const { text } = event.data as { text: string }
      if (text === 'poison') throw new Error('cannot list poison')
      await ctx.collection<Todo>('todos').put(event.streamId, { text, done: false })
    },
  },
})

async function start() {
  const store = memoryEventStore()
  const coordination = memoryCoordination()
  const infrastructure: Infrastructure = {
    store,
    transport: memoryTransport(),
    ...coordination,
    close: async () => undefined,
  }
  const readStores = await openReadStores('memory')
  const readSide = createReadSide({
    store,
    documents: readStores.documents,
    leases: coordination.leases,
    leaseTtlMs: 300,
    attempts: 1,
    retryDelayMs: 5,
  })
  readSide.register(todoList)
  readSide.register(
    defineProcessManager<
      { type: 'DeadlineWasAddedToTodo'; data: { deadline: string } },
      { deadline: string }
    >(
      {
        name: 'todo_deadlines',
        correlate: { DeadlineWasAddedToTodo: (event) => event.streamId },
        initialState: { deadline: '' },
        handle: (_state, event) => ({
          state: { deadline: event.data.deadline },
          schedule: [
            {
              id: 'expire',
              at: new Date(event.data.deadline),
              command: { type: 'mark-todo-as-expired', data: { todoId: event.streamId } },
            },
          ],
        }),
      },
      { dispatch: async () => undefined, schedules: readStores.schedules },
    ),
  )
  await readSide.start()
  const running = await startService(adminService({ token, readStores, sampleIntervalMs: 50, app: false }), {
    infrastructure,
    config: { port: 0, logLevel: 'silent' },
  })
  return { running, store, readSide, schedules: readStores.schedules }
}

/** The members these tests read, across the answers of the read-side routes. */
interface Answer {
  detail?: string
  state?: string
  position?: number
  activeBuild?: number
  builds?: unknown
  parked?: unknown
  projections?: { name: string }[]
  samples?: { lag: Record<string, number> }[]
  timers?: unknown[]
  instances?: unknown
}

const api = async (running: RunningService, path: string, init: RequestInit = {}) => {
  const res = await fetch(`${running.url}/_acta/api${path}`, {
    ...init,
    headers: { ...auth, ...(init.body ? { 'content-type': 'application/json' } : {}) },
  })
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Answer }
}

const until = async (check: () => Promise<boolean>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('read side through the admin API', () => {
  const stops: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop()
  })
  const started = async () => {
    const fixture = await start()
    stops.push(
      () => fixture.readSide.stop(),
      () => fixture.running.stop(),
    )
    return fixture
  }
  const stateOf = async (running: RunningService, name = 'todo_list') =>
    (await api(running, `/projections/${name}`)).body.state

  it('lists projections and process managers with their position, head and lag', async () => {
    // Given a read side that has applied two todos
    const { running, store, readSide } = await started()
    await store.append('todo-1', [{ type: 'TodoWasPosted', data: { text: 'a' } }])
    const last = await store.append('todo-2', [{ type: 'TodoWasPosted', data: { text: 'b' } }])
    await readSide.waitFor('todo_list', last.position)
    await until(async () => (await stateOf(running)) === 'running')

    // When the dashboard asks for the projections
    const { status, body } = await api(running, '/projections')

    // Then it sees both, by kind, caught up with the head
    expect(status).toBe(200)
    const byName = Object.fromEntries((body.projections ?? []).map((p) => [p.name, p]))
    expect(byName.todo_list).toMatchObject({
      kind: 'projection',
      state: 'running',
      activeBuild: 1,
      position: 2,
      headPosition: 2,
      lagEvents: 0,
      parked: 0,
    })
    expect(byName.todo_deadlines).toMatchObject({ kind: 'process-manager', activeBuild: 1 })
  })

  it('answers 401 without the token and 404 problem+json for a projection that never ran', async () => {
    const { running } = await started()
    const anonymous = await fetch(`${running.url}/_acta/api/projections`)
    expect(anonymous.status).toBe(401)
    const unknown = await api(running, '/projections/nope')
    expect(unknown.status).toBe(404)
    expect(unknown.type).toContain('application/problem+json')
    expect(unknown.body.detail).toContain('nope')
    const control = await api(running, '/projections/todo_list/explode', { method: 'POST', body: '{}' })
    expect(control.status).toBe(404)
    expect(control.body.detail).toContain('stop, start, reset, rebuild')
    const stopUnknown = await api(running, '/projections/nope/stop', { method: 'POST', body: '{}' })
    expect(stopUnknown.status).toBe(404)
  })

  it('stops and starts a projection the read side runs in another place', async () => {
    // Given a running projection
    const { running, store } = await started()
    await until(async () => (await stateOf(running)) === 'running')

    // When the dashboard stops it and a todo is posted
    const stop = await api(running, '/projections/todo_list/stop', { method: 'POST', body: '{}' })
    expect(stop).toMatchObject({ status: 202, body: { projection: 'todo_list', requested: 'stop' } })
    await until(async () => (await stateOf(running)) === 'stopped')
    await store.append('todo-1', [{ type: 'TodoWasPosted', data: { text: 'a' } }])

    // Then it lags behind until started again
    expect((await api(running, '/projections/todo_list')).body).toMatchObject({ lagEvents: 1, position: 0 })
    expect((await api(running, '/projections/todo_list/start', { method: 'POST', body: '{}' })).status).toBe(
      202,
    )
    await until(async () => (await api(running, '/projections/todo_list')).body.position === 1)
  })

  it('rebuilds a projection blue/green and reports the new build active', async () => {
    const { running, store, readSide } = await started()
    const last = await store.append('todo-1', [{ type: 'TodoWasPosted', data: { text: 'a' } }])
    await readSide.waitFor('todo_list', last.position)

    const rebuild = await api(running, '/projections/todo_list/rebuild', { method: 'POST', body: '{}' })

    expect(rebuild).toMatchObject({ status: 202, body: { projection: 'todo_list', build: 2 } })
    await until(async () => (await api(running, '/projections/todo_list')).body.activeBuild === 2)
    const status = (await api(running, '/projections/todo_list')).body
    expect(status.builds).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ build: 1, state: 'retired' }),
        expect.objectContaining({ build: 2, state: 'active', position: 1 }),
      ]),
    )
    expect(await readSide.collection<Todo>('todo_list', 'todos').get('todo-1')).toEqual({
      text: 'a',
      done: false,
    })
  })

  it('resets a projection: it replays the log into its active build', async () => {
    const { running, store, readSide } = await started()
    const last = await store.append('todo-1', [{ type: 'TodoWasPosted', data: { text: 'a' } }])
    await readSide.waitFor('todo_list', last.position)
    await readSide.collection<Todo>('todo_list', 'todos').put('todo-1', { text: 'tampered', done: true })

    expect((await api(running, '/projections/todo_list/reset', { method: 'POST', body: '{}' })).status).toBe(
      202,
    )

    await until(
      async () => (await readSide.collection<Todo>('todo_list', 'todos').get('todo-1'))?.text === 'a',
    )
  })

  it('lists the events a projection parked', async () => {
    const { running, store } = await started()
    await store.append('todo-9', [{ type: 'TodoWasPosted', data: { text: 'poison' } }])
    await until(async () => (await api(running, '/projections/todo_list')).body.parked === 1)
    const { status, body } = await api(running, '/projections/todo_list/parked')
    expect(status).toBe(200)
    expect(body.parked).toMatchObject([{ streamId: 'todo-9', type: 'TodoWasPosted' }])
    expect(JSON.stringify(body.parked)).toContain('cannot list poison')
  })

  it("shows a process manager's instances with their state and pending timeouts", async () => {
    // Given a process manager that scheduled an expiry for one todo, and another process manager's
    // timers, more of them and due sooner than the whole listing of the route takes
    const { running, store, readSide, schedules } = await started()
    const soon = new Date(Date.now() + 60_000)
    for (let i = 0; i < timerScanLimit + 1; i++)
      await schedules.schedule({ id: `other_pm:c-${i}:t`, dueAt: soon, payload: { type: 'noop', data: {} } })
    const deadline = new Date(Date.now() + 3_600_000).toISOString()
    const added = await store.append('todo-1', [{ type: 'DeadlineWasAddedToTodo', data: { deadline } }])
    await readSide.waitFor('todo_deadlines', added.position)

    // When the dashboard expands the process manager
    let body: Answer = {}
    await until(async () => {
      body = (await api(running, '/process-managers/todo_deadlines/instances')).body
      return body.timers?.length === 1
    })

    // Then it sees the correlation's state and the timer's due time and command
    expect(body).toMatchObject({ processManager: 'todo_deadlines', build: 1, total: 1 })
    expect(body.instances).toMatchObject([
      {
        correlationId: 'todo-1',
        state: { deadline },
        timers: [
          {
            id: 'todo_deadlines:todo-1:expire',
            dueAt: deadline,
            command: { type: 'mark-todo-as-expired', data: { todoId: 'todo-1' } },
          },
        ],
      },
    ])
  })

  it('refuses instances of a projection, an unknown name and a bad limit', async () => {
    const { running } = await started()
    await until(async () => (await api(running, '/projections/todo_list')).status === 200)
    const ofProjection = await api(running, '/process-managers/todo_list/instances')
    expect(ofProjection.status).toBe(404)
    expect(ofProjection.body.detail).toContain('not a process manager')
    expect((await api(running, '/process-managers/nope/instances')).status).toBe(404)
    const bad = await api(running, '/process-managers/todo_deadlines/instances?limit=0')
    expect(bad.status).toBe(400)
    expect(bad.body.detail).toContain('"limit"')
  })

  it('samples projection lags for the overview', async () => {
    const { running, store } = await started()
    await until(async () => (await stateOf(running)) === 'running')
    await api(running, '/projections/todo_list/stop', { method: 'POST', body: '{}' })
    await until(async () => (await stateOf(running)) === 'stopped')
    await store.append('todo-1', [{ type: 'TodoWasPosted', data: { text: 'a' } }])
    await until(async () => {
      const samples = (await api(running, '/overview')).body.samples
      return samples?.at(-1)?.lag.todo_list === 1
    })
  })
})
