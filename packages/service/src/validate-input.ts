import type { StandardSchemaV1 } from '@standard-schema/spec'
import { inputProblem, type InputIssue } from './problem.js'

/** The parts of a request a route may declare schemas for. */
export interface InputSchemas {
  readonly body?: StandardSchemaV1 | undefined
  readonly query?: StandardSchemaV1 | undefined
  readonly params?: StandardSchemaV1 | undefined
  /** Status of a mismatch; default 422. */
  readonly invalidStatus?: 400 | 422 | undefined
}

interface RawInput {
  readonly body: unknown
  readonly query: unknown
  readonly params: unknown
}

const parts = ['params', 'query', 'body'] as const

/**
 * Validates each declared part with its Standard Schema (zod, valibot, arktype, …) and returns
 * the parsed values; undeclared parts pass through. Every issue of every part is reported at once
 * in one problem, 422 unless the route asks for 400.
 */
export async function validateInput(
  schemas: InputSchemas,
  raw: RawInput,
): Promise<{ body: unknown; query: unknown; params: unknown }> {
  const out = { body: raw.body, query: raw.query, params: raw.params }
  let issues: InputIssue[] | undefined
  for (const part of parts) {
    const schema = schemas[part]
    if (!schema) continue
    let result = schema['~standard'].validate(raw[part])
    if (result instanceof Promise) result = await result
    if (result.issues) {
      issues ??= []
      for (const issue of result.issues)
        issues.push({ in: part, path: jsonPointer(issue.path), message: issue.message })
    } else {
      out[part] = result.value
    }
  }
  if (issues) throw inputProblem(issues, schemas.invalidStatus)
  return out
}

/** RFC 6901 pointer of a Standard Schema issue path. */
function jsonPointer(path: StandardSchemaV1.Issue['path']): string {
  if (!path) return ''
  let pointer = ''
  for (const segment of path) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment
    pointer += '/' + String(key).replaceAll('~', '~0').replaceAll('/', '~1')
  }
  return pointer
}
