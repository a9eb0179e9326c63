import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isActaError } from '@acta/core'
import { describe, expect, it } from 'vitest'
import { createRouter } from './router.js'
import { readRouteTable, validateRouteTable, type RouteTable } from './route-table.js'

const valid: RouteTable = {
  services: {
    write: { upstreams: ['http://127.0.0.1:9001'] },
    read: {
      upstreams: ['http://127.0.0.1:9002', 'http://localhost:9003'],
      health: { path: '/healthz', intervalMs: 1000 },
    },
  },
  routes: [
    { methods: ['POST'], path: '/values/:key', service: 'write' },
    { methods: ['GET'], path: '/values/*', service: 'read', websocket: true },
    { path: '/', service: 'read' },
  ],
}

function problemsOf(input: unknown): string[] {
  try {
    validateRouteTable(input)
  } catch (error) {
    expect(isActaError(error, 'VALIDATION')).toBe(true)
    return (error as { details: { problems: string[] } }).details.problems
  }
  throw new Error('expected the table to be refused')
}

describe('route table validation', () => {
  it('accepts a valid table and returns it unchanged', () => {
    expect(validateRouteTable(valid)).toBe(valid)
    expect(validateRouteTable(JSON.parse(JSON.stringify(valid)))).toEqual(valid)
  })

  it('lists every problem by its place', () => {
    const problems = problemsOf({
      services: {
        kv: {
          upstreams: ['https://a:1', 'http://b:2/path', 'http://c:3', 'http://c:3'],
          health: { path: 'x' },
        },
        '9bad': { upstreams: [] },
      },
      routes: [
        { methods: ['get'], path: '/values/:key', service: 'kv' },
        { path: '/a//b', service: 'kvv' },
        { path: '/a/*/b', service: 'kv', method: 'GET' },
        { methods: ['POST'], path: '/live', service: 'kv', websocket: true },
        { path: '/a/../b', service: 'kv' },
      ],
    })

    expect(problems).toEqual([
      'services.kv.upstreams[0]: "https://a:1": only http:// upstreams are supported',
      'services.kv.upstreams[1]: "http://b:2/path": an upstream is an origin (scheme, host, port) without a path',
      'services.kv.upstreams[3]: listed twice',
      'services.kv.health.path: expected a path starting with "/", e.g. "/healthz"',
      'services.9bad: a service name starts with a letter and holds only letters, digits, "-" and "_"',
      'services.9bad.upstreams: expected a non-empty array of URLs like "http://127.0.0.1:9001"',
      'routes[0].methods[0]: expected an upper-case method like "GET", got "get"',
      'routes[1].path: "/a//b": empty segment ("//")',
      'routes[1].service: unknown service "kvv" (known: kv, 9bad)',
      'routes[2]: unknown key "method" (allowed: methods, path, service, websocket)',
      'routes[2].path: "/a/*/b": "*" may only be the last segment',
      'routes[3].methods: a websocket route must allow GET (upgrades are GET requests)',
      'routes[4].path: "/a/../b": dot segments are not allowed',
    ])
  })

  it('refuses what is not a table at all, with a message that says what is expected', () => {
    expect(problemsOf(null)).toEqual(['(root): expected an object with "services" and "routes"'])
    expect(problemsOf({ services: {}, routes: [] })).toEqual([
      'services: expected an object with at least one service',
      'routes: expected a non-empty array',
    ])
  })

  it('names the file when a table file is invalid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acta-routes-'))
    try {
      await writeFile(join(dir, 'broken.json'), '{ "services": ')
      await writeFile(join(dir, 'invalid.json'), JSON.stringify({ ...valid, routes: [{ path: '/x' }] }))
      await writeFile(join(dir, 'good.json'), JSON.stringify(valid))

      await expect(readRouteTable(join(dir, 'broken.json'))).rejects.toThrow(/broken\.json is not JSON/)
      await expect(readRouteTable(join(dir, 'invalid.json'))).rejects.toThrow(
        /invalid\.json: Invalid route table:\n {2}routes\[0\]\.service: expected a service name/,
      )
      expect(await readRouteTable(join(dir, 'good.json'))).toEqual(valid)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('router', () => {
  const router = createRouter([
    { methods: ['GET'], path: '/values', service: 'read' },
    { methods: ['PUT', 'DELETE'], path: '/values/:key', service: 'write' },
    { methods: ['GET'], path: '/values/:key', service: 'read', websocket: true },
    { methods: ['POST'], path: '/files/*', service: 'write' },
    { path: '/files/public/*', service: 'read', websocket: true },
  ])
  const serviceOf = (method: string, path: string) => {
    const match = router.match(method, path)
    return match.kind === 'route' ? match.route.service : match
  }

  it('matches exact paths, one-segment parameters and trailing wildcards', () => {
    expect(serviceOf('GET', '/values')).toBe('read')
    expect(serviceOf('PUT', '/values/a%20b')).toBe('write')
    expect(serviceOf('GET', '/values/a')).toBe('read')
    expect(serviceOf('GET', '/values/a/b')).toEqual({ kind: 'none' })
    expect(serviceOf('GET', '/values/')).toEqual({ kind: 'none' })
    expect(serviceOf('POST', '/files/')).toBe('write')
    expect(serviceOf('POST', '/files/a/b/c')).toBe('write')
    expect(serviceOf('POST', '/files')).toEqual({ kind: 'none' })
  })

  it('goes on to later routes when an earlier one has the path but not the method', () => {
    expect(serviceOf('GET', '/files/public/logo.png')).toBe('read')
    expect(serviceOf('POST', '/files/public/logo.png')).toBe('write')
  })

  it('reports the methods of every route with the path when none has the method', () => {
    expect(router.match('POST', '/values/a')).toEqual({ kind: 'method', allow: 'PUT, DELETE, GET, HEAD' })
    expect(router.match('HEAD', '/values')).toMatchObject({ kind: 'route' })
  })

  it('finds upgrades among websocket routes only', () => {
    expect(router.matchUpgrade('/values/a')?.service).toBe('read')
    expect(router.matchUpgrade('/files/public/x')?.service).toBe('read')
    expect(router.matchUpgrade('/values')).toBeUndefined()
  })
})
