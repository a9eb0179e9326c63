import { isActaError, type ActaError, type ErrorCode } from '@acta/core'
import { expect } from 'vitest'

/** Drains an async iterable into an array. */
export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

/** Takes at most `count` items, then stops the iteration. */
export async function take<T>(source: AsyncIterable<T>, count: number): Promise<T[]> {
  const out: T[] = []
  if (count <= 0) return out
  for await (const item of source) {
    out.push(item)
    if (out.length >= count) break
  }
  return out
}

/** Awaits a promise that must reject with an ActaError of `code`, and returns the error. */
export async function expectActaError(promise: Promise<unknown>, code: ErrorCode): Promise<ActaError> {
  const error = await promise.then(
    (value) => new Error(`expected a ${code} error, got a result: ${JSON.stringify(value)?.slice(0, 200)}`),
    (e: unknown) => e,
  )
  expect(isActaError(error, code), `expected ${code}, got ${String(error)}`).toBe(true)
  return error as ActaError
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `check` until it returns true, failing after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(5)
  }
}
