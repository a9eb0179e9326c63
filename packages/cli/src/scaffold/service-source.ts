import type { ProjectRoute } from '../project.js'

/** Names the service template uses for its entity, derived from a route path or the unit name. */
export interface EntityNames {
  /** camelCase identifier: `todoItem`. */
  readonly entity: string
  /** PascalCase: `TodoItem`. */
  readonly Entity: string
  /** kebab-case, for command types and file names: `todo-item`. */
  readonly entityKebab: string
  /** The stream category: `todo_item` (streams are `todo_item-<id>`). */
  readonly category: string
}

/**
 * The entity a service's routes are about: the last static segment of its first route
 * (`/api/v1/todo/*` -> todo), else the unit's name. Two services on the same path share the entity,
 * so a read service sees what a write service recorded.
 */
export function entityNames(routes: readonly ProjectRoute[], unitName: string): EntityNames {
  const segments = (routes[0]?.path ?? '')
    .split('/')
    .filter((segment) => /^[A-Za-z][A-Za-z0-9_-]*$/.test(segment))
  const words = (segments.at(-1) ?? unitName)
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word.toLowerCase())
  if (words.length === 0 || !/^[a-z]/.test(words[0] ?? '')) words.unshift('item')
  const Entity = words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('')
  return {
    entity: Entity[0]!.toLowerCase() + Entity.slice(1),
    Entity,
    entityKebab: words.join('-'),
    category: words.join('_'),
  }
}

/** One route of the generated service, with where the entity's id comes from. */
export interface ServiceRoute {
  readonly method: string
  /** The service's own path: a gateway wildcard `/x/*` becomes `/x/:id`. */
  readonly path: string
  /** The path parameter holding the id, or undefined when the body carries it. */
  readonly idParam: string | undefined
}

/** The service routes behind the gateway routes of a unit, one per method and path. */
export function serviceRoutes(routes: readonly ProjectRoute[]): ServiceRoute[] {
  const result: ServiceRoute[] = []
  for (const route of routes) {
    const path = route.path.endsWith('/*') ? `${route.path.slice(0, -2)}/:id` : route.path.replace('*', '')
    const params = [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]!)
    for (const method of route.methods) result.push({ method, path, idParam: params.at(-1) })
  }
  return result
}

/** The `routes` entries of the generated `service.ts`, one line each. */
export function routesSource(routes: readonly ServiceRoute[], names: EntityNames, unitName: string): string {
  const { Entity, entityKebab } = names
  const lines = routes.map(({ method, path, idParam }) => {
    const at = JSON.stringify(path).replaceAll('"', "'")
    const idFrom = idParam ? `params.${idParam}` : 'body.id'
    const input = idParam ? '{ params, body }' : '{ body }'
    switch (method) {
      case 'POST':
      case 'PUT':
      case 'PATCH':
        return `r.command('${method}', ${at}, { body: ${idParam ? 'recordBody' : 'recordNewBody'}, toCommand: (${input}) => ({ type: 'record-${entityKebab}', data: { id: ${idFrom}, data: body.data } }) }),`
      case 'DELETE':
        return idParam
          ? `r.command('DELETE', ${at}, { toCommand: ({ params }) => ({ type: 'remove-${entityKebab}', data: { id: ${idFrom} } }) }),`
          : `r.command('DELETE', ${at}, { body: removeBody, toCommand: ({ body }) => ({ type: 'remove-${entityKebab}', data: { id: body.id } }) }),`
      case 'GET':
      case 'HEAD':
        return idParam
          ? `r.query(${at}, (ctx, { params }) => read${Entity}(ctx, ${idFrom})),`
          : `r.query(${at}, () => ({ service: '${unitName}' })),`
      default:
        return `r.route('${method}', ${at}, () => undefined),`
    }
  })
  return [...new Set(lines)].map((line) => `    ${line}`).join('\n')
}

/** The HTTP tests of the generated service: each one exercises a route it has. */
export function httpTestsSource(routes: readonly ServiceRoute[], names: EntityNames): string {
  const { entity } = names
  const concrete = (path: string) => path.replace(/:[A-Za-z_][A-Za-z0-9_]*/g, 'a')
  const write = routes.find((route) => ['POST', 'PUT', 'PATCH'].includes(route.method))
  const read = routes.find((route) => route.method === 'GET' && route.idParam)
  const tests: string[] = []
  if (write) {
    const body = write.idParam ? `{ data: { title: 'first' } }` : `{ id: 'a', data: { title: 'first' } }`
    tests.push(`  it('records a ${entity}', async () => {
    // When
    const answer = await send('${write.method}', '${concrete(write.path)}', ${body})
    // Then
    expect(answer.status).toBe(200)
    expect(await answer.json()).toMatchObject({ version: 1 })
  })`)
    tests.push(`  it('refuses data that is not an object with a 422 problem', async () => {
    // When
    const answer = await send('${write.method}', '${concrete(write.path)}', { id: 'a', data: 'not an object' })
    // Then
    expect(answer.status).toBe(422)
    expect(answer.headers.get('content-type')).toContain('application/problem+json')
  })`)
    if (read)
      tests.push(`  it('reads back what was recorded', async () => {
    // Given
    await send('${write.method}', '${concrete(write.path)}', ${body})
    // When
    const answer = await fetch(\`\${running.url}${concrete(read.path)}\`)
    // Then
    expect(await answer.json()).toMatchObject({ id: 'a', data: { title: 'first' } })
  })`)
  }
  if (read)
    tests.push(`  it('answers 404 for a ${entity} that was never recorded', async () => {
    // When
    const answer = await fetch(\`\${running.url}${concrete(read.path)}\`)
    // Then
    expect(answer.status).toBe(404)
  })`)
  return tests.join('\n\n')
}
