import { expect } from 'vitest'
import type { TodoView } from '../read/todo-list.js'
import type { UserView } from '../read/user-list.js'
import { read, type ProblemBody } from './command-client.fixture.js'

/** Where the checks run: a base URL serving the API, and whether its read routes are there too. */
export interface RuleCheckTarget {
  readonly baseUrl: string
  /** False against the write services alone: the checks then skip their read assertions. */
  readonly reads: boolean
}

/** One rule of the API, checked end to end over HTTP with fresh ids. */
export interface RuleCheck {
  readonly name: string
  run(target: RuleCheckTarget): Promise<void>
}

/** `GET /api/todos/<id>?after=`. */
export const todoOf = async ({ baseUrl }: RuleCheckTarget, todoId: string, after: number) =>
  read<TodoView>(baseUrl, `/api/todos/${todoId}`, after)
/** `GET /api/users/<id>?after=`. */
export const userOf = async ({ baseUrl }: RuleCheckTarget, userId: string, after: number) =>
  read<UserView>(baseUrl, `/api/users/${userId}`, after)

/** The todo as the read side shows it once it has applied `after`; nothing without reads. */
export async function expectTodo(
  target: RuleCheckTarget,
  todoId: string,
  after: number,
  expected: Partial<TodoView>,
) {
  if (!target.reads) return
  const { status, body } = await todoOf(target, todoId, after)
  expect(status).toBe(200)
  expect(body).toMatchObject(expected)
}

/** `in` + JSON pointer of each issue of a 400 problem, e.g. `body/text`. */
export const issuePaths = (problem: ProblemBody) => (problem.errors ?? []).map((e) => `${e.in}${e.path}`)
