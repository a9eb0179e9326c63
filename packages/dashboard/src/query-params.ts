import type { QueryValues } from '@acta/service'
import { HttpProblem } from '@acta/service'

/** A 400 problem naming the query parameter and what it accepts. */
export function badParameter(name: string, expected: string, value: unknown): HttpProblem {
  return new HttpProblem({
    status: 400,
    title: 'Bad Request',
    detail: `Query parameter "${name}" must be ${expected} (got ${JSON.stringify(value)})`,
  })
}

/** One value of a query parameter; a repeated parameter is a 400. */
export function single(query: QueryValues, name: string): string | undefined {
  const value = query[name]
  if (Array.isArray(value)) throw badParameter(name, 'given once', value)
  return value === '' ? undefined : value
}

/** Every value of a repeatable parameter (`?type=A&type=B`, or `?type=A,B`). */
export function list(query: QueryValues, name: string): string[] {
  const value = query[name]
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value]
  return values.flatMap((v) => v.split(',')).filter((v) => v !== '')
}

/** An integer parameter within bounds, or its default when absent. */
export function integer(
  query: QueryValues,
  name: string,
  bounds: { min: number; max: number; fallback: number },
): number {
  const raw = single(query, name)
  if (raw === undefined) return bounds.fallback
  if (!/^\d+$/.test(raw)) throw badParameter(name, `an integer from ${bounds.min} to ${bounds.max}`, raw)
  const value = Number(raw)
  if (value < bounds.min || value > bounds.max)
    throw badParameter(name, `an integer from ${bounds.min} to ${bounds.max}`, raw)
  return value
}
