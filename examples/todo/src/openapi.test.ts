import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  dateTimeSchema,
  idPattern,
  idSchema,
  todoCommandSchemas,
  userCommandSchemas,
} from './domain/command-schemas.js'
import { todoRouteTable } from './fleet.js'

interface Operation {
  requestBody?: { content: Record<string, { schema: { $ref: string } }> }
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>
}
interface OpenApi {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Record<string, unknown>> }
}

const document = JSON.parse(readFileSync(new URL('../openapi.json', import.meta.url), 'utf8')) as OpenApi
const commandSchemas: Record<string, z.ZodType> = { ...userCommandSchemas, ...todoCommandSchemas }
const byAssignee = new Set(['add-deadline-to-todo', 'add-reminder-to-todo'])

/** The schema a `#/components/schemas/X` reference names. */
function resolve(ref: string): Record<string, unknown> {
  const name = ref.replace('#/components/schemas/', '')
  const schema = document.components.schemas[name]
  if (!schema) throw new Error(`${ref} names no schema`)
  return schema
}

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found)
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') found.push(item)
      else refsIn(item, found)
    }
  return found
}

describe('openapi.json', () => {
  it('is OpenAPI 3.1 whose references all resolve', () => {
    expect(document.openapi).toMatch(/^3\.1\./)
    for (const ref of refsIn(document)) expect(() => resolve(ref), ref).not.toThrow()
  })

  it('has every route of the gateway table, and nothing the gateway would not route', () => {
    const upstream = ['http://127.0.0.1:1']
    const table = todoRouteTable({
      'user-write': upstream,
      'todo-write': upstream,
      'user-read': upstream,
      'todo-read': upstream,
    })
    const routed = table.routes.flatMap(({ methods, path }) => (methods ?? []).map((m) => `${m} ${path}`))
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    )
    expect(documented.sort()).toEqual(routed.sort())
    expect(routed).toHaveLength(Object.keys(commandSchemas).length + 4)
  })

  it('describes each command body with the fields the zod schema requires and allows', () => {
    for (const [name, schema] of Object.entries(commandSchemas)) {
      const operation = document.paths[`/api/commands/${name}`]?.post
      const ref = operation?.requestBody?.content['application/json']?.schema.$ref
      expect(ref, name).toBeDefined()
      const documented = resolve(ref!)
      const fromZod = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>
      expect(documented.required, name).toEqual(fromZod.required)
      expect(Object.keys(documented.properties as object).sort(), name).toEqual(
        Object.keys(fromZod.properties as object).sort(),
      )
      expect(documented.additionalProperties, name).toBe(false)
    }
  })

  it('answers every command 202 with Accepted and its refusals as problem+json', () => {
    for (const name of Object.keys(commandSchemas)) {
      const { responses } = document.paths[`/api/commands/${name}`]!.post!
      expect(responses['202']?.content?.['application/json']?.schema).toEqual({
        $ref: '#/components/schemas/Accepted',
      })
      const refusals = ['400', '404', '409', '415']
      if (byAssignee.has(name)) refusals.push('403')
      for (const status of refusals)
        expect(responses[status]?.content?.['application/problem+json']?.schema, `${name} ${status}`).toEqual(
          {
            $ref: '#/components/schemas/Problem',
          },
        )
      expect('403' in responses, `${name} 403`).toBe(byAssignee.has(name))
    }
  })

  it('shows users with their todo counts and todos with status, deadline and reminder', () => {
    const user = resolve('#/components/schemas/User')
    const todo = resolve('#/components/schemas/Todo')
    expect(user.required).toEqual(['user_id', 'name', 'email', 'open_todos', 'done_todos', 'expired_todos'])
    expect(todo.required).toEqual(['todo_id', 'assignee_id', 'text', 'status', 'deadline', 'reminder'])
    for (const path of ['/api/users/{id}', '/api/users/{id}/todos', '/api/todos/{id}'])
      expect(document.paths[path]?.get?.responses['404'], path).toBeDefined()
  })

  it('uses the id pattern and a date example the schemas accept', () => {
    const id = resolve('#/components/schemas/Id')
    expect(id.pattern).toBe(idPattern.source)
    for (const example of id.examples as string[]) expect(idSchema.safeParse(example).success).toBe(true)
    const date = resolve('#/components/schemas/DateTime')
    for (const example of date.examples as string[])
      expect(dateTimeSchema.safeParse(example).success).toBe(true)
  })
})
