import { compilePattern } from './route-pattern.js'
import type { RouteConfig } from './route-table.js'

/** What a request's method and path lead to. */
export type RouteMatch =
  | { readonly kind: 'route'; readonly route: RouteConfig }
  /** Some route has the path but none the method: answer 405 with this `Allow` value. */
  | { readonly kind: 'method'; readonly allow: string }
  | { readonly kind: 'none' }

/** First-match routing over a route table's routes. */
export interface Router {
  match(method: string, path: string): RouteMatch
  /** The first websocket route for an upgrade (a `GET`) on `path`. */
  matchUpgrade(path: string): RouteConfig | undefined
}

interface CompiledRoute {
  readonly route: RouteConfig
  readonly matches: (path: string) => boolean
  /** `undefined` for every method. */
  readonly methods: ReadonlySet<string> | undefined
}

const none: RouteMatch = { kind: 'none' }

/** Compiles routes (already validated) into a {@link Router}. */
export function createRouter(routes: readonly RouteConfig[]): Router {
  const compiled: CompiledRoute[] = routes.map((route) => ({
    route,
    matches: compilePattern(route.path),
    methods: route.methods === undefined ? undefined : new Set(allowedMethods(route.methods)),
  }))
  const routeMatches = new Map<RouteConfig, RouteMatch>(
    compiled.map((c) => [c.route, { kind: 'route', route: c.route }]),
  )
  const websockets = compiled.filter((c) => c.route.websocket === true && (c.methods?.has('GET') ?? true))

  return {
    match(method, path) {
      let pathMatched = false
      for (const candidate of compiled) {
        if (!candidate.matches(path)) continue
        if (candidate.methods === undefined || candidate.methods.has(method)) {
          return routeMatches.get(candidate.route)!
        }
        pathMatched = true
      }
      if (!pathMatched) return none
      return { kind: 'method', allow: allowHeader(compiled.filter((c) => c.matches(path))) }
    },
    matchUpgrade(path) {
      return websockets.find((candidate) => candidate.matches(path))?.route
    },
  }
}

/** The methods a route admits: as listed, plus `HEAD` where `GET` is listed. */
export function allowedMethods(methods: readonly string[]): string[] {
  const all = [...methods]
  if (all.includes('GET') && !all.includes('HEAD')) all.push('HEAD')
  return all
}

function allowHeader(candidates: readonly CompiledRoute[]): string {
  const methods = new Set<string>()
  for (const candidate of candidates) for (const method of candidate.methods ?? []) methods.add(method)
  return [...methods].join(', ')
}
