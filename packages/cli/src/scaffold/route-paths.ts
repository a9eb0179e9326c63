import type { Project, ProjectRoute } from '../project.js'

/**
 * The gateway patterns of a `--path`: a path ending in `/` is a prefix and covers the exact path
 * and everything below it; any other path is taken as it is.
 *
 * @example
 * expandRoutePath('/api/v1/todo/') // ['/api/v1/todo', '/api/v1/todo/*']
 * expandRoutePath('/users/:id')    // ['/users/:id']
 */
export function expandRoutePath(path: string): string[] {
  if (!path.startsWith('/')) throw new RangeError(`The path "${path}" does not start with /`)
  if (path === '/') return ['/*']
  if (!path.endsWith('/')) return [path]
  const base = path.replace(/\/+$/, '')
  return [base, `${base}/*`]
}

/** A route of another unit that takes a method on a path a new route wants too. */
export interface RouteCollision {
  readonly unit: string
  readonly method: string
  readonly path: string
}

/** Routes of `project` with the same method and the same path as one of `routes`. */
export function routeCollisions(project: Project, routes: readonly ProjectRoute[]): RouteCollision[] {
  const collisions: RouteCollision[] = []
  for (const [unit, existing] of Object.entries(project.services))
    for (const taken of existing.routes)
      for (const wanted of routes)
        if (taken.path === wanted.path)
          for (const method of wanted.methods)
            if (taken.methods.includes(method)) collisions.push({ unit, method, path: wanted.path })
  return collisions
}
