import { readFile } from 'node:fs/promises'
import { ValidationError } from '@acta/core'
import { parsePattern } from './route-pattern.js'

/** Active health check of a service's replicas: `GET path` every `intervalMs`; 2xx or 3xx is healthy. */
export interface HealthCheck {
  /** Path requested on every replica, e.g. `/healthz`. */
  readonly path: string
  /** Period between two checks of one replica. Default 5000. */
  readonly intervalMs?: number
  /** A check that has no response headers after this long fails. Default `min(intervalMs, 2000)`. */
  readonly timeoutMs?: number
}

/** A service: the replicas that serve it, and how their health is checked. */
export interface ServiceConfig {
  /** Replica base URLs, `http://host:port` (no path). Requests go round-robin over the healthy ones. */
  readonly upstreams: readonly string[]
  /** Without it a replica is only taken out passively, for a while, when connecting to it fails. */
  readonly health?: HealthCheck
}

/**
 * One route: requests whose method and path match go to `service`.
 *
 * `path` is an exact path (`/values`), may hold parameters that match one non-empty segment
 * (`/values/:key`), and may end in a wildcard that matches the rest of the path, slashes included
 * (`/values/*` matches `/values/`, `/values/a` and `/values/a/b`, not `/values`).
 */
export interface RouteConfig {
  /** Upper-case methods; omitted means every method. `GET` also admits `HEAD`. */
  readonly methods?: readonly string[]
  readonly path: string
  readonly service: string
  /** Proxy WebSocket upgrades (`GET` with `Upgrade: websocket`) on this path too. */
  readonly websocket?: boolean
}

/**
 * What the gateway routes, as plain JSON. Routes are tried in order and the first whose path and
 * method match wins, so list specific routes before general ones.
 *
 * @example
 * const table: RouteTable = {
 *   services: {
 *     write: { upstreams: ['http://127.0.0.1:9001'] },
 *     read: { upstreams: ['http://127.0.0.1:9002', 'http://127.0.0.1:9003'], health: { path: '/healthz' } },
 *   },
 *   routes: [
 *     { methods: ['POST', 'PUT', 'DELETE'], path: '/values/:key', service: 'write' },
 *     { methods: ['GET'], path: '/values/*', service: 'read', websocket: true },
 *   ],
 * }
 */
export interface RouteTable {
  readonly services: Readonly<Record<string, ServiceConfig>>
  readonly routes: readonly RouteConfig[]
}

const serviceName = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/
const methodToken = /^[A-Z][A-Z0-9_-]*$/
const minIntervalMs = 50

/**
 * Checks that `input` is a {@link RouteTable} and returns it, or throws one `ValidationError`
 * (code `VALIDATION`) that lists every problem by its place, e.g. `routes[2].service: unknown service "kvv"`.
 *
 * @example
 * const table = validateRouteTable(JSON.parse(await readFile('routes.json', 'utf8')))
 */
export function validateRouteTable(input: unknown): RouteTable {
  const problems: string[] = []
  const report = (where: string, message: string) => problems.push(`${where}: ${message}`)
  if (!isRecord(input)) throw invalid(['(root): expected an object with "services" and "routes"'])
  unknownKeys(input, ['services', 'routes', '$schema'], '(root)', report)

  const services = input.services
  if (!isRecord(services) || Object.keys(services).length === 0) {
    report('services', 'expected an object with at least one service')
  } else {
    for (const [name, service] of Object.entries(services)) checkService(name, service, report)
  }

  const routes = input.routes
  if (!Array.isArray(routes) || routes.length === 0) {
    report('routes', 'expected a non-empty array')
  } else {
    const known = isRecord(services) ? Object.keys(services) : []
    routes.forEach((route, index) => checkRoute(`routes[${index}]`, route, known, report))
  }

  if (problems.length > 0) throw invalid(problems)
  return input as unknown as RouteTable
}

/** Reads a JSON route table from a file and validates it; the file name is in any error's message. */
export async function readRouteTable(file: string): Promise<RouteTable> {
  const text = await readFile(file, 'utf8')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new ValidationError(`${file} is not JSON: ${(error as Error).message}`, { file }, error)
  }
  try {
    return validateRouteTable(parsed)
  } catch (error) {
    const { message, details } = error as ValidationError
    throw new ValidationError(`${file}: ${message}`, { ...details, file })
  }
}

type Report = (where: string, message: string) => void

function checkService(name: string, service: unknown, report: Report): void {
  const where = `services.${name}`
  if (!serviceName.test(name)) {
    report(where, 'a service name starts with a letter and holds only letters, digits, "-" and "_"')
  }
  if (!isRecord(service)) return report(where, 'expected an object with "upstreams"')
  unknownKeys(service, ['upstreams', 'health'], where, report)
  const upstreams = service.upstreams
  if (!Array.isArray(upstreams) || upstreams.length === 0) {
    report(`${where}.upstreams`, 'expected a non-empty array of URLs like "http://127.0.0.1:9001"')
  } else {
    const seen = new Set<string>()
    upstreams.forEach((url, index) => {
      const problem = upstreamProblem(url)
      if (problem !== undefined) report(`${where}.upstreams[${index}]`, problem)
      else if (seen.has(new URL(url as string).origin)) report(`${where}.upstreams[${index}]`, 'listed twice')
      else seen.add(new URL(url as string).origin)
    })
  }
  if (service.health !== undefined) checkHealth(`${where}.health`, service.health, report)
}

function upstreamProblem(url: unknown): string | undefined {
  if (typeof url !== 'string') return 'expected a URL string like "http://127.0.0.1:9001"'
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `"${url}" is not a URL`
  }
  if (parsed.protocol !== 'http:') return `"${url}": only http:// upstreams are supported`
  if (parsed.username !== '' || parsed.password !== '') return `"${url}": credentials are not allowed`
  if (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '') {
    return `"${url}": an upstream is an origin (scheme, host, port) without a path`
  }
  return undefined
}

function checkHealth(where: string, health: unknown, report: Report): void {
  if (!isRecord(health)) return report(where, 'expected an object with "path"')
  unknownKeys(health, ['path', 'intervalMs', 'timeoutMs'], where, report)
  if (typeof health.path !== 'string' || !health.path.startsWith('/') || /[\s?#]/.test(health.path)) {
    report(`${where}.path`, 'expected a path starting with "/", e.g. "/healthz"')
  }
  for (const key of ['intervalMs', 'timeoutMs'] as const) {
    const value = health[key]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isInteger(value) || value < minIntervalMs) {
      report(`${where}.${key}`, `expected an integer number of milliseconds, at least ${minIntervalMs}`)
    }
  }
}

function checkRoute(where: string, route: unknown, services: readonly string[], report: Report): void {
  if (!isRecord(route)) return report(where, 'expected an object with "path" and "service"')
  unknownKeys(route, ['methods', 'path', 'service', 'websocket'], where, report)
  if (typeof route.path !== 'string') report(`${where}.path`, 'expected a path pattern like "/values/:key"')
  else {
    const problem = parsePattern(route.path).problem
    if (problem !== undefined) report(`${where}.path`, `"${route.path}": ${problem}`)
  }
  if (typeof route.service !== 'string') report(`${where}.service`, 'expected a service name')
  else if (!services.includes(route.service)) {
    report(`${where}.service`, `unknown service "${route.service}" (known: ${services.join(', ') || 'none'})`)
  }
  const methods = route.methods
  if (methods !== undefined) {
    if (!Array.isArray(methods) || methods.length === 0) {
      report(
        `${where}.methods`,
        'expected a non-empty array of methods like ["GET", "HEAD"]; omit it for any',
      )
    } else {
      methods.forEach((method, index) => {
        if (typeof method !== 'string' || !methodToken.test(method)) {
          report(
            `${where}.methods[${index}]`,
            `expected an upper-case method like "GET", got ${JSON.stringify(method)}`,
          )
        }
      })
      if (route.websocket === true && !methods.includes('GET')) {
        report(`${where}.methods`, 'a websocket route must allow GET (upgrades are GET requests)')
      }
    }
  }
  if (route.websocket !== undefined && typeof route.websocket !== 'boolean') {
    report(`${where}.websocket`, 'expected true or false')
  }
}

function unknownKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  where: string,
  report: Report,
) {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) report(where, `unknown key "${key}" (allowed: ${allowed.join(', ')})`)
  }
}

function invalid(problems: readonly string[]): ValidationError {
  return new ValidationError(`Invalid route table:\n  ${problems.join('\n  ')}`, { problems })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
