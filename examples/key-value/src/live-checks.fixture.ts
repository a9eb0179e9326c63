import { afterEach, expect, it } from 'vitest'
import type { Fleet } from './fleet.js'
import type { LiveFrame } from './live-frames.js'
import { liveClient, put, type LiveClient } from './test-clients.fixture.js'

const opened = (id: string) => (frame: LiveFrame) => frame.type === 'connection_opened' && frame.from === id
const closed = (id: string) => (frame: LiveFrame) => frame.type === 'connection_closed' && frame.from === id
const about = (key: string) => (frame: LiveFrame) => frame.type === 'domain_event' && frame.event.key === key

/** The websocket `/events`: frames exactly as specified, across replicas. */
export function liveChecks(fleet: () => Fleet): void {
  const clients: LiveClient[] = []
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()))
  })
  const connect = async (base: string) => {
    const client = await liveClient(`${base.replace(/^http/, 'ws')}/events`)
    clients.push(client)
    return client
  }

  it('tells every client, the new one included, that a connection opened, on any replica', async () => {
    const { url, replicas } = fleet()
    const first = await connect(replicas[0]!.url)
    expect(first.frames[0]).toEqual({
      type: 'connection_opened',
      route: 'events',
      from: first.id,
      value: 'Connection opened',
    })
    const second = await connect(replicas[1]!.url)
    const third = await connect(url)
    for (const client of [first, second]) await client.next(opened(second.id), `opened ${second.id}`)
    for (const client of [first, second, third]) {
      expect(await client.next(opened(third.id), `opened ${third.id}`)).toEqual({
        type: 'connection_opened',
        route: 'events',
        from: third.id,
        value: 'Connection opened',
      })
    }
    expect(new Set([first.id, second.id, third.id]).size).toBe(3)
  })

  it('sends every domain event to every client, whichever replica took the write', async () => {
    const { url, replicas } = fleet()
    const watchers = [await connect(replicas[0]!.url), await connect(replicas[2]!.url), await connect(url)]
    await put(replicas[1]!.url, '/values/live-key', 'live value')
    await fetch(`${url}/values/live-key`, { method: 'DELETE' })
    for (const watcher of watchers) {
      const frames = () => watcher.frames.filter(about('live-key'))
      await watcher.next(
        (frame) => about('live-key')(frame) && frame.value === 'ValueHasBeenDeleted',
        'delete',
      )
      expect(frames()).toEqual([
        {
          type: 'domain_event',
          route: 'events',
          from: 'Domain Event',
          value: 'ValueHasBeenPut',
          event: { event: 'value_put', key: 'live-key', value: 'live value' },
        },
        {
          type: 'domain_event',
          route: 'events',
          from: 'Domain Event',
          value: 'ValueHasBeenDeleted',
          event: { event: 'value_deleted', key: 'live-key' },
        },
      ])
    }
  })

  it('tells the other clients, on every replica, that a connection closed', async () => {
    const { url, replicas } = fleet()
    const stays = [await connect(replicas[0]!.url), await connect(replicas[1]!.url)]
    const leaves = await connect(url)
    for (const client of stays) await client.next(opened(leaves.id), 'opened')
    await leaves.close()
    for (const client of stays)
      expect(await client.next(closed(leaves.id), `closed ${leaves.id}`)).toEqual({
        type: 'connection_closed',
        route: 'events',
        from: leaves.id,
        value: 'Connection closed',
      })
  })

  it('sends nothing but text frames in the documented shapes', async () => {
    const { url } = fleet()
    const watcher = await connect(url)
    await put(url, '/values/shape', 'v')
    await watcher.next(about('shape'), 'the put')
    for (const frame of watcher.frames) {
      expect(frame.route).toBe('events')
      expect(['domain_event', 'connection_opened', 'connection_closed']).toContain(frame.type)
    }
  })
}
