import { expect, it } from 'vitest'
import type { Fleet } from './fleet.js'
import { expectProblem, put } from './test-clients.fixture.js'

/** Both doors: through the gateway and on a replica directly. */
const doors = (fleet: Fleet) => [
  { door: 'the gateway', url: fleet.url },
  { door: 'a replica', url: fleet.replicas[0]!.url },
]

/** Keys that must round-trip, with the path that names each. */
const oddKeys: [string, string][] = [
  ['a/b', '/values/a%2Fb'],
  ['clé ✓ 🗝', `/values/${encodeURIComponent('clé ✓ 🗝')}`],
  ['100%', '/values/100%25'],
  ['a b?c#d&e=f', `/values/${encodeURIComponent('a b?c#d&e=f')}`],
  ['+plus', '/values/+plus'],
  ['k'.repeat(256), `/values/${'k'.repeat(256)}`],
]

/** Bad requests get a clear problem+json answer, and store nothing. */
export function badInputChecks(fleet: () => Fleet): void {
  it.each(oddKeys)('round-trips the key %j', async (key, path) => {
    const { url } = fleet()
    const written = await put(url, path, `value of ${key}`)
    expect(written.status).toBe(200)
    expect(await written.json()).toEqual({ key, value: `value of ${key}`, message: 'OK' })
    const read = await fetch(`${fleet().url}${path}?after=${written.headers.get('acta-position')}`)
    expect(await read.json()).toEqual({ key, value: `value of ${key}` })
  })

  it('reads a key with slashes whether they are sent as / or as %2F', async () => {
    const { url } = fleet()
    const written = await put(url, '/values/dir/sub/leaf', 'nested')
    expect(await written.json()).toEqual({ key: 'dir/sub/leaf', value: 'nested', message: 'OK' })
    const read = await fetch(`${url}/values/dir%2Fsub%2Fleaf?after=${written.headers.get('acta-position')}`)
    expect(await read.json()).toEqual({ key: 'dir/sub/leaf', value: 'nested' })
    const deleted = await fetch(`${url}/values/dir/sub%2Fleaf`, { method: 'DELETE' })
    expect(await deleted.json()).toEqual({ key: 'dir/sub/leaf', message: '1' })
  })

  it.each([
    ['an empty key', '/values/', /empty/],
    ['a key with a control character', '/values/a%00b', /control/],
    ['a key of 257 characters', `/values/${'k'.repeat(257)}`, /longer than 256/],
    ['a path that is not percent-encoded UTF-8', '/values/%C3', /percent-encoded/],
    ['a broken percent escape', '/values/%E0%A4%A', /percent-encoded/],
  ])('refuses %s with 400', async (_what, path, detail) => {
    for (const { door, url } of doors(fleet())) {
      const problem = await expectProblem(await put(url, path, 'v'), 400)
      expect(problem.detail, door).toMatch(detail)
      await expectProblem(await fetch(`${url}${path}`), 400)
      await expectProblem(await fetch(`${url}${path}`, { method: 'DELETE' }), 400)
    }
  })

  it('refuses a body that is not valid UTF-8 with 400, and stores nothing', async () => {
    for (const { door, url } of doors(fleet())) {
      const res = await put(url, '/values/latin', new Uint8Array([0x63, 0x61, 0x66, 0xe9]))
      const problem = await expectProblem(res, 400)
      expect(problem.detail, door).toMatch(/UTF-8/)
    }
    for (const replica of fleet().replicas)
      expect((await fetch(`${replica.url}/values/latin`)).status).toBe(404)
  })

  it('refuses a body in another charset with 415', async () => {
    const res = await put(fleet().url, '/values/latin', 'caf', {
      'content-type': 'text/plain; charset=latin1',
    })
    await expectProblem(res, 415)
  })

  it('refuses a value over 64 KiB with 413, and stores nothing', async () => {
    for (const { url } of doors(fleet())) {
      await expectProblem(await put(url, '/values/huge', 'x'.repeat(65_537)), 413)
      expect((await put(url, '/values/just-fits', 'x'.repeat(65_536))).status).toBe(200)
    }
    for (const replica of fleet().replicas)
      expect((await fetch(`${replica.url}/values/huge`)).status).toBe(404)
  })

  it('refuses a value holding a NUL character with 400', async () => {
    const problem = await expectProblem(await put(fleet().url, '/values/nul', 'a\u0000b'), 400)
    expect(problem.detail).toMatch(/NUL/)
  })

  it.each([
    ['POST', '/values/k', ['GET', 'PUT', 'DELETE']],
    ['PATCH', '/values/k', ['GET', 'PUT', 'DELETE']],
    ['PUT', '/values', ['GET']],
    ['DELETE', '/values', ['GET']],
  ])('answers %s %s with 405 and the allowed methods', async (method, path, allowed) => {
    for (const { door, url } of doors(fleet())) {
      const res = await fetch(`${url}${path}`, { method, body: method === 'DELETE' ? undefined : 'x' })
      await expectProblem(res, 405)
      const allow = (res.headers.get('allow') ?? '').split(/,\s*/)
      expect(allow, door).toEqual(expect.arrayContaining(allowed))
      expect(allow, door).not.toContain(method)
    }
  })

  it('answers an unknown path with 404 problem+json', async () => {
    for (const { url } of doors(fleet())) await expectProblem(await fetch(`${url}/nothing/here`), 404)
  })

  it('answers /events without a websocket upgrade with 426', async () => {
    for (const { url } of doors(fleet())) await expectProblem(await fetch(`${url}/events`), 426)
  })
}
