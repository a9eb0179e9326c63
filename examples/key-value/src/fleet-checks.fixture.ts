import { eventually } from '@acta/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { badInputChecks } from './bad-input-checks.fixture.js'
import type { Fleet } from './fleet.js'
import { liveChecks } from './live-checks.fixture.js'
import { expectProblem, positionOf, put } from './test-clients.fixture.js'

/**
 * The end-to-end checks of a fleet over HTTP and websockets, the same for every infrastructure:
 * `start` launches the fleet (three replicas behind the gateway) on it.
 */
export function fleetChecks(start: () => Promise<Fleet>): void {
  let fleet: Fleet | undefined
  const current = (): Fleet => {
    if (!fleet) throw new Error('the fleet did not start')
    return fleet
  }
  beforeAll(async () => {
    fleet = await start()
  }, 120_000)
  afterAll(async () => {
    await fleet?.stop()
  })

  describe('the HTTP API through the gateway', () => apiChecks(current))
  describe('three replicas', () => replicaChecks(current))
  describe('the live feed', () => liveChecks(current))
  describe('bad input', () => badInputChecks(current))
}

function apiChecks(fleet: () => Fleet): void {
  it('stores a raw body under a key and answers exactly the key, the value and OK, with the log position', async () => {
    const res = await put(fleet().url, '/values/mykey', 'myvalue', { 'content-type': 'application/json' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(positionOf(res)).toBeGreaterThan(0)
    expect(await res.text()).toBe('{"key":"mykey","value":"myvalue","message":"OK"}')
  })

  it('answers a GET with exactly the key and its value', async () => {
    const written = await put(fleet().url, '/values/colour', 'blue')
    // the gateway may send the GET to another replica: wait there for the write (read-your-writes)
    const res = await fetch(`${fleet().url}/values/colour?after=${positionOf(written)}`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('{"key":"colour","value":"blue"}')
  })

  it('answers an unknown key with 404 and an empty body', async () => {
    const res = await fetch(`${fleet().url}/values/never-put`)
    expect(res.status).toBe(404)
    expect(res.headers.get('content-length')).toBe('0')
    expect(await res.text()).toBe('')
  })

  it('deletes a key with message 1, and answers 0 when there is no such key', async () => {
    const { url } = fleet()
    await put(url, '/values/doomed', 'soon gone')
    const deleted = await fetch(`${url}/values/doomed`, { method: 'DELETE' })
    expect(deleted.status).toBe(200)
    expect(positionOf(deleted)).toBeGreaterThan(0)
    expect(await deleted.text()).toBe('{"key":"doomed","message":"1"}')
    expect((await fetch(`${url}/values/doomed?after=${positionOf(deleted)}`)).status).toBe(404)

    const again = await fetch(`${url}/values/doomed`, { method: 'DELETE' })
    expect(again.status).toBe(200)
    expect(again.headers.get('acta-position')).toBeNull()
    expect(await again.text()).toBe('{"key":"doomed","message":"0"}')
  })

  it('refuses an empty value with 400 problem+json and stores nothing', async () => {
    const { url, replicas } = fleet()
    const before = (await (await fetch(`${replicas[0]!.url}/values`)).json()) as { position: number }
    const problem = await expectProblem(await put(url, '/values/empty', ''), 400)
    expect(problem.detail).toMatch(/empty/)
    for (const replica of replicas) expect((await fetch(`${replica.url}/values/empty`)).status).toBe(404)
    const after = (await (await fetch(`${replicas[0]!.url}/values`)).json()) as { position: number }
    expect(after.position).toBe(before.position)
  })

  it('lists every key and value, with the position of the model', async () => {
    const replica = fleet().replicas[0]!.url
    await put(replica, '/values/list-a', 'one')
    const position = positionOf(await put(replica, '/values/list-b', 'two'))
    const list = (await (await fetch(`${replica}/values`)).json()) as {
      position: number
      values: { key: string; value: string }[]
    }
    expect(list.values).toEqual(
      expect.arrayContaining([
        { key: 'list-a', value: 'one' },
        { key: 'list-b', value: 'two' },
      ]),
    )
    expect(list.position).toBeGreaterThanOrEqual(position)
  })

  it('serves the page and its stylesheet', async () => {
    const page = await fetch(`${fleet().url}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await page.text()).toContain('<title>Acta key-value</title>')
    const css = await fetch(`${fleet().url}/assets/style.css`)
    expect(css.status).toBe(200)
    expect(css.headers.get('content-type')).toMatch(/^text\/css/)
  })
}

function replicaChecks(fleet: () => Fleet): void {
  it('makes a PUT through the gateway visible on every replica', async () => {
    const { url, replicas } = fleet()
    expect(replicas).toHaveLength(3)
    await put(url, '/values/everywhere', 'seen')
    for (const replica of replicas) {
      await eventually(
        async () => (await fetch(`${replica.url}/values/everywhere`)).status === 200,
        10_000,
        `the value on ${replica.name}`,
      )
      const res = await fetch(`${replica.url}/values/everywhere`)
      expect(await res.json()).toEqual({ key: 'everywhere', value: 'seen' })
    }
  })

  it('reads its own write on the replica that took it, at once', async () => {
    for (const replica of fleet().replicas) {
      const key = `own-${replica.name}`
      await put(replica.url, `/values/${key}`, 'mine')
      const res = await fetch(`${replica.url}/values/${key}`)
      expect(await res.json()).toEqual({ key, value: 'mine' })
    }
  })

  it('waits on any replica for the position a write answered with (?after=)', async () => {
    const [first, ...others] = fleet().replicas
    for (let round = 0; round < 5; round++) {
      const key = `ryw-${round}`
      const written = await put(first!.url, `/values/${key}`, `v${round}`)
      const position = positionOf(written)
      const deleted = await fetch(`${first!.url}/values/gone-${round}`, { method: 'DELETE' })
      expect(await deleted.json()).toEqual({ key: `gone-${round}`, message: '0' })
      for (const replica of others) {
        const res = await fetch(`${replica.url}/values/${key}?after=${position}`)
        expect(res.status).toBe(200)
        expect(await res.json()).toEqual({ key, value: `v${round}` })
      }
    }
  })

  it('answers ?after= at once for a key the position does not concern', async () => {
    const { url, replicas } = fleet()
    const position = positionOf(await put(url, '/values/somewhere-else', 'x'))
    const res = await fetch(`${replicas[2]!.url}/values/untouched?after=${position}`)
    expect(res.status).toBe(404)
    const far = await fetch(`${replicas[1]!.url}/values/untouched?after=999999999`)
    expect(far.status).toBe(404)
  })

  it('refuses an ?after= that is not a position', async () => {
    const problem = await expectProblem(await fetch(`${fleet().url}/values/k?after=soon`), 400)
    expect(problem.detail).toMatch(/after/)
  })
}
