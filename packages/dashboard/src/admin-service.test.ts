import { memoryCoordination, memoryEventStore, memoryTransport } from '@acta/core'
import { openReadStores, startService, type Infrastructure, type RunningService } from '@acta/service'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { adminService } from './admin-service.js'

const token = 'test-admin-token-0123456789'
const auth = { authorization: `Bearer ${token}` }

async function start(
  services?: () => { services: Record<string, { upstreams: { url: string; healthy: boolean }[] }> },
) {
  const store = memoryEventStore()
  const transport = memoryTransport()
  const coordination = memoryCoordination()
  const infrastructure: Infrastructure = {
    store,
    transport,
    ...coordination,
    close: async () => undefined,
  }
  const readStores = await openReadStores('memory')
  const deciders = {
    todo: {
      initialState: () => ({ status: 'NONE' }),
      evolve: (state: { status: string }, event: { type: string }) =>
        event.type === 'TodoWasPosted'
          ? { status: 'OPEN' }
          : event.type === 'TodoWasMarkedAsDone'
            ? { status: 'DONE' }
            : state,
    },
  }
  const definition = adminService({
    token,
    readStores,
    deciders,
    sampleIntervalMs: 50,
    app: false,
    ...(services ? { services } : {}),
  })
  const running = await startService(definition, {
    infrastructure,
    config: { port: 0, logLevel: 'silent' },
  })
  return { running, store, transport }
}

describe('admin API', () => {
  const started: RunningService[] = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map((running) => running.stop()))
  })

  it('answers 401 problem+json without a valid token, and says nothing about what exists', async () => {
    const { running, store } = await start()
    started.push(running)
    await store.append('todo-1', [{ type: 'TodoWasPosted', data: { secret: 'x' } }])
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token-wrong-token' },
      { authorization: token },
    ]
    for (const headers of attempts) {
      const res = await fetch(`${running.url}/_acta/api/streams/todo-1`, { headers })
      expect(res.status).toBe(401)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      expect(res.headers.get('www-authenticate')).toContain('Bearer')
      const text = await res.text()
      expect(text).not.toContain('secret')
      expect(text).not.toContain('TodoWasPosted')
    }
  })

  it('pages the global log filtered by category and type, telling where to go on', async () => {
    const { running, store } = await start()
    started.push(running)
    for (let i = 1; i <= 5; i++) {
      await store.append(`todo-${i}`, [{ type: 'TodoWasPosted', data: { i } }])
      await store.append(`user-${i}`, [{ type: 'UserWasRegistered', data: { i } }])
    }
    const first = await fetch(`${running.url}/_acta/api/log?category=todo&limit=2`, { headers: auth })
    expect(first.status).toBe(200)
    const page = (await first.json()) as { events: { streamId: string; position: number }[]; next: number }
    expect(page.events.map((e) => e.streamId)).toEqual(['todo-1', 'todo-2'])
    const second = (await (
      await fetch(`${running.url}/_acta/api/log?category=todo&limit=10&after=${page.next}`, { headers: auth })
    ).json()) as { events: { streamId: string }[]; next: number | null; headPosition: number }
    expect(second.events.map((e) => e.streamId)).toEqual(['todo-3', 'todo-4', 'todo-5'])
    expect(second.next).toBeNull()
    const byType = (await (
      await fetch(`${running.url}/_acta/api/log?type=UserWasRegistered&limit=1`, { headers: auth })
    ).json()) as { events: { type: string; data: unknown }[] }
    expect(byType.events).toMatchObject([{ type: 'UserWasRegistered', data: { i: 1 } }])
    const tail = (await (
      await fetch(`${running.url}/_acta/api/log/tail?limit=2`, { headers: auth })
    ).json()) as { events: { streamId: string }[] }
    expect(tail.events.map((e) => e.streamId)).toEqual(['todo-5', 'user-5'])
  })

  it('refuses bad paging parameters with a 400 naming the parameter', async () => {
    const { running } = await start()
    started.push(running)
    for (const query of ['limit=0', 'limit=abc', 'after=-1', 'limit=1&limit=2']) {
      const res = await fetch(`${running.url}/_acta/api/log?${query}`, { headers: auth })
      expect(res.status).toBe(400)
      const problem = (await res.json()) as { detail: string }
      expect(problem.detail).toMatch(/Query parameter "(limit|after)"/)
    }
  })

  it('reads a stream page by page with data and metadata, and 404s an unknown stream', async () => {
    const { running, store } = await start()
    started.push(running)
    await store.append('todo-1', [
      { type: 'TodoWasPosted', data: { text: 'a' }, metadata: { correlationId: 'c1' } },
      { type: 'TodoWasMarkedAsDone', data: {} },
      { type: 'TodoWasReopened', data: {} },
    ])
    const page = (await (
      await fetch(`${running.url}/_acta/api/streams/todo-1?limit=2`, { headers: auth })
    ).json()) as { version: number; events: { version: number; metadata: object }[]; next: number | null }
    expect(page.version).toBe(3)
    expect(page.events.map((e) => e.version)).toEqual([1, 2])
    expect(page.events[0]?.metadata).toMatchObject({ correlationId: 'c1' })
    expect(page.next).toBe(3)
    const missing = await fetch(`${running.url}/_acta/api/streams/todo-404`, { headers: auth })
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toContain('application/problem+json')
  })

  it('pages the log of one correlation through the store index, with the other filters', async () => {
    const { running, store } = await start()
    started.push(running)
    const tagged = (type: string, correlationId: string) => ({ type, data: {}, metadata: { correlationId } })
    await store.append('todo-1', [tagged('A', 'c'), tagged('B', 'other'), tagged('C', 'c')])
    await store.append('user-1', [tagged('D', 'c'), tagged('E', 'other')])
    const page = async (query: string) =>
      (await (await fetch(`${running.url}/_acta/api/log?${query}`, { headers: auth })).json()) as {
        events: { type: string }[]
        next: number | null
      }
    const first = await page('correlationId=c&limit=2')
    expect(first.events.map((e) => e.type)).toEqual(['A', 'C'])
    expect(first.next).not.toBeNull()
    const second = await page(`correlationId=c&limit=2&after=${first.next}`)
    expect(second).toMatchObject({ events: [{ type: 'D' }], next: null })
    expect((await page('correlationId=c&category=user')).events.map((e) => e.type)).toEqual(['D'])
    expect((await page('correlationId=c&type=C,D')).events.map((e) => e.type)).toEqual(['C', 'D'])
    expect((await page('correlationId=none')).events).toEqual([])
  })

  it('builds the flow of a correlation: command -> events -> process manager -> command -> events', async () => {
    const { running, store } = await start()
    started.push(running)
    const added = await store.append('todo-1', [
      {
        type: 'DeadlineWasAddedToTodo',
        data: {},
        metadata: { correlationId: 'flow-1', causationId: 'cmd-1', commandType: 'add-deadline-to-todo' },
      },
    ])
    const trigger = added.events[0]!.eventId
    await store.append('todo-1', [
      {
        type: 'TodoWasMarkedAsExpired',
        data: {},
        metadata: {
          correlationId: 'flow-1',
          causationId: 'cmd-2',
          commandType: 'mark-todo-as-expired',
          commandCausationId: trigger,
          commandSender: 'process-manager:deadlines',
        },
      },
    ])
    await store.append('todo-2', [{ type: 'Other', data: {}, metadata: { correlationId: 'flow-2' } }])
    const res = await fetch(`${running.url}/_acta/api/flows/flow-1`, { headers: auth })
    expect(res.status).toBe(200)
    const flow = (await res.json()) as {
      commands: { id: string; type: string; sender?: string }[]
      edges: { from: string; to: string; kind: string }[]
      events: unknown[]
    }
    expect(flow.events).toHaveLength(2)
    expect(flow).toMatchObject({ truncated: false })
    const cut = await fetch(`${running.url}/_acta/api/flows/flow-1?limit=1`, { headers: auth })
    expect(await cut.json()).toMatchObject({ events: [{ type: 'DeadlineWasAddedToTodo' }], truncated: true })
    expect(flow.commands).toMatchObject([
      { id: 'cmd-1', type: 'add-deadline-to-todo' },
      { id: 'cmd-2', type: 'mark-todo-as-expired', sender: 'process-manager:deadlines' },
    ])
    expect(
      flow.edges.map((edge) => `${edge.kind}:${edge.from === trigger ? 'deadline' : edge.from}`),
    ).toEqual(['produced:cmd-1', 'triggered:deadline', 'produced:cmd-2'])
    expect((await fetch(`${running.url}/_acta/api/flows/nope`, { headers: auth })).status).toBe(404)
  })

  it('lists and replays dead letters, refusing a replay that names nothing', async () => {
    const { running, transport } = await start()
    started.push(running)
    const consumer = await transport.consume(
      'jobs',
      async () => {
        throw new Error('boom')
      },
      { maxAttempts: 1 },
    )
    await transport.send('jobs', { type: 'job', data: { n: 1 } })
    await expect
      .poll(
        async () =>
          (
            (await (await fetch(`${running.url}/_acta/api/dead-letters`, { headers: auth })).json()) as {
              deadLetters: unknown[]
            }
          ).deadLetters.length,
      )
      .toBe(1)
    await consumer.close()
    const bad = await fetch(`${running.url}/_acta/api/dead-letters/replay`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({}),
    })
    expect(bad.status).toBe(400)
    const replay = await fetch(`${running.url}/_acta/api/dead-letters/replay`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ all: true }),
    })
    expect(await replay.json()).toEqual({ replayed: 1 })
  })

  it('shows the services the gateway reports', async () => {
    const { running } = await start(() => ({
      services: { 'todo-write': { upstreams: [{ url: 'http://127.0.0.1:1', healthy: true }] } },
    }))
    started.push(running)
    const body: unknown = await (await fetch(`${running.url}/_acta/api/services`, { headers: auth })).json()
    expect(body).toMatchObject({ services: { 'todo-write': { upstreams: [{ healthy: true }] } } })
  })

  it('streams new events to a live-feed connection only after it sent the token', async () => {
    const { running, store } = await start()
    started.push(running)
    const url = `${running.url.replace('http', 'ws')}/_acta/api/live`
    const intruder = new WebSocket(url)
    await new Promise((resolve) => intruder.once('open', resolve))
    intruder.send(JSON.stringify({ token: 'wrong-token-wrong-token' }))
    const code = await new Promise<number>((resolve) =>
      intruder.once('close', (closeCode) => resolve(closeCode)),
    )
    expect(code).toBe(4401)

    const socket = new WebSocket(url)
    const frames: { type: string; event?: { type: string } }[] = []
    socket.on('message', (data) =>
      frames.push(JSON.parse((data as Buffer).toString('utf8')) as (typeof frames)[number]),
    )
    await new Promise((resolve) => socket.once('open', resolve))
    socket.send(JSON.stringify({ token, types: ['TodoWasPosted'] }))
    await expect.poll(() => frames.some((frame) => frame.type === 'ready')).toBe(true)
    await store.append('user-1', [{ type: 'UserWasRegistered', data: {} }])
    await store.append('todo-1', [{ type: 'TodoWasPosted', data: {} }])
    await expect.poll(() => frames.filter((frame) => frame.type === 'event').length).toBe(1)
    expect(frames.find((frame) => frame.type === 'event')?.event?.type).toBe('TodoWasPosted')
    socket.close()
  })

  it('replays a stream through its decider: the state after each event and the change', async () => {
    const { running, store } = await start()
    started.push(running)
    await store.append('todo-1', [
      { type: 'TodoWasPosted', data: {} },
      { type: 'TodoWasMarkedAsDone', data: {} },
    ])
    await store.append('user-1', [{ type: 'UserWasRegistered', data: {} }])
    const res = await fetch(`${running.url}/_acta/api/streams/todo-1/states`, { headers: auth })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { steps: { state: unknown; changes: unknown[] }[] }
    expect(body.steps.map((step) => step.state)).toEqual([{ status: 'OPEN' }, { status: 'DONE' }])
    expect(body.steps[1]?.changes).toEqual([
      { path: '/status', kind: 'changed', before: 'OPEN', after: 'DONE' },
    ])
    const noDecider = await fetch(`${running.url}/_acta/api/streams/user-1/states`, { headers: auth })
    expect(noDecider.status).toBe(404)
    expect(((await noDecider.json()) as { detail: string }).detail).toContain('No decider')
  })

  it('samples the log head over time for the overview charts', async () => {
    const { running, store } = await start()
    started.push(running)
    await store.append('todo-1', [{ type: 'TodoWasPosted', data: {} }])
    await expect
      .poll(async () => {
        const body = (await (await fetch(`${running.url}/_acta/api/overview`, { headers: auth })).json()) as {
          samples: { headPosition: number }[]
        }
        return body.samples.at(-1)?.headPosition
      })
      .toBe(1)
  })
})
