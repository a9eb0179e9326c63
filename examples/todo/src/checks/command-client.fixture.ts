import { randomUUID } from 'node:crypto'
import { expect } from 'vitest'

/** The 202 body of an accepted command. */
export interface AcceptedBody {
  events: string[]
  position: number
  stream: string
  version: number
}

/** An RFC 9457 problem as the services answer it. */
export interface ProblemBody {
  type: string
  title: string
  status: number
  detail?: string
  code?: string
  errors?: { in: string; path: string; message: string }[]
  [extension: string]: unknown
}

/** A fresh id for one check: runs never collide, against any fleet. */
export const freshId = (prefix: string) => `${prefix}-${randomUUID()}`

/** An ISO date `ms` milliseconds from now (negative: in the past). */
export const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString()

/** `POST /api/commands/<name>` with a JSON body (or a raw string body and its own headers). */
export function postCommand(
  baseUrl: string,
  name: string,
  body: unknown,
  init: { raw?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(`${baseUrl}/api/commands/${name}`, {
    method: 'POST',
    headers: init.headers ?? { 'content-type': 'application/json' },
    body: init.raw ?? JSON.stringify(body),
  })
}

/** Expects a 202 with the given event types; returns the body. */
export async function expectAccepted(res: Response, events: readonly string[]): Promise<AcceptedBody> {
  const text = await res.text()
  expect(res.status, `expected 202, got ${res.status} ${text}`).toBe(202)
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  const body = JSON.parse(text) as AcceptedBody
  expect(body.events).toEqual(events)
  expect(body.position).toBeGreaterThan(0)
  expect(typeof body.stream).toBe('string')
  expect(body.version).toBeGreaterThan(0)
  return body
}

/** Expects a problem+json answer with `status`; returns the problem. */
export async function expectProblem(res: Response, status: number): Promise<ProblemBody> {
  const text = await res.text()
  expect(res.status, `expected ${status}, got ${res.status} ${text}`).toBe(status)
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  const problem = JSON.parse(text) as ProblemBody
  expect(problem.status).toBe(status)
  expect(typeof problem.type).toBe('string')
  expect(typeof problem.title).toBe('string')
  return problem
}

/** Posts a command and expects it accepted with `events`. */
export async function accept(
  baseUrl: string,
  name: string,
  body: unknown,
  events: readonly string[],
): Promise<AcceptedBody> {
  return expectAccepted(await postCommand(baseUrl, name, body), events)
}

/** Posts a command and expects it refused with `status`. */
export async function refuse(
  baseUrl: string,
  name: string,
  body: unknown,
  status: number,
): Promise<ProblemBody> {
  return expectProblem(await postCommand(baseUrl, name, body), status)
}

/** A GET of a read route that waits for `after` (read-your-writes); returns status and JSON. */
export async function read<T>(
  baseUrl: string,
  path: string,
  after: number,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${baseUrl}${path}?after=${after}`)
  const text = await res.text()
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T }
}

/** Registers a fresh user and returns its id, email and the 202. */
export async function registeredUser(baseUrl: string, name = 'Ada') {
  const user_id = freshId('user')
  const email = `${user_id}@example.com`
  const accepted = await accept(baseUrl, 'register-user', { user_id, name, email }, ['UserWasRegistered'])
  return { user_id, email, name, accepted }
}

/** Registers a fresh user and posts a fresh todo for them. */
export async function postedTodo(baseUrl: string, text = 'water the plants') {
  const user = await registeredUser(baseUrl)
  const todo_id = freshId('todo')
  const accepted = await accept(baseUrl, 'post-todo', { assignee_id: user.user_id, todo_id, text }, [
    'TodoWasPosted',
  ])
  return { user, todo_id, text, accepted }
}

/** Polls `attempt` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await attempt()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
