import { describe, expect, it } from 'vitest'
import { projectSchema } from '../project.js'
import { nextFreePort, portConflicts } from './port-blocks.js'
import { expandRoutePath, routeCollisions } from './route-paths.js'

const project = projectSchema.parse({
  name: 'shop',
  gateway: { port: 8080 },
  services: {
    orders: {
      dir: 'services/orders',
      port: 8081,
      replicas: 2,
      routes: [{ methods: ['POST'], path: '/api/orders/*' }],
    },
  },
})

describe('route path expansion', () => {
  it('turns a path ending in / into the exact path and everything below it', () => {
    expect(expandRoutePath('/api/v1/todo/')).toEqual(['/api/v1/todo', '/api/v1/todo/*'])
  })

  it('keeps any other path as it is', () => {
    expect(expandRoutePath('/users/:id')).toEqual(['/users/:id'])
    expect(expandRoutePath('/files/*')).toEqual(['/files/*'])
  })

  it('routes everything for the root prefix', () => {
    expect(expandRoutePath('/')).toEqual(['/*'])
  })

  it('refuses a path that does not start with /', () => {
    expect(() => expandRoutePath('api/v1')).toThrow(/does not start with \//)
  })
})

describe('route collisions', () => {
  it('finds a route with the same method and path', () => {
    // When
    const collisions = routeCollisions(project, [{ methods: ['GET', 'POST'], path: '/api/orders/*' }])
    // Then
    expect(collisions).toEqual([{ unit: 'orders', method: 'POST', path: '/api/orders/*' }])
  })

  it('lets another method share the path', () => {
    expect(routeCollisions(project, [{ methods: ['GET'], path: '/api/orders/*' }])).toEqual([])
  })
})

describe('port blocks', () => {
  it('gives the next unit the first free block of ten above the gateway', () => {
    expect(nextFreePort(project, 1)).toBe(8091)
  })

  it('skips blocks a wider unit would overlap', () => {
    // Given a unit in the block after the first
    const crowded = projectSchema.parse({
      ...project,
      services: { ...project.services, billing: { dir: 'services/billing', port: 8095 } },
    })
    // Then
    expect(nextFreePort(crowded, 1)).toBe(8101)
    expect(nextFreePort(crowded, 12)).toBe(8101)
  })

  it('names the units and the gateway a port range overlaps', () => {
    expect(portConflicts(project, 8080, 3)).toEqual(['the gateway', 'orders'])
  })
})
