import type { EventStore } from '@acta/core'
import { quantile } from '../http/load.js'

/** p50, p99 and max of some milliseconds, and how many there were. */
export interface Spread {
  readonly count: number
  readonly p50: number
  readonly p99: number
  readonly max: number
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** POSTs a command through the gateway; throws unless it is accepted (202). */
export async function command(base: string, name: string, body: object): Promise<{ position: number }> {
  const res = await fetch(`${base}/api/commands/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await res.text()
  if (res.status !== 202) throw new Error(`${name}: ${res.status} ${text}`)
  return JSON.parse(text) as { position: number }
}

/**
 * Write -> read, sequentially: post a todo, and from its 202 poll `GET /api/todos/:id` (no `?after`)
 * every millisecond until it answers 200. Also times plain GETs of a todo that exists, the floor
 * of the figure (one round trip).
 */
export async function visibility(
  base: string,
  users: readonly string[],
  prefix: string,
  samples: number,
): Promise<{ visible: Spread; polls: Spread; get: Spread }> {
  const visible: number[] = []
  const polls: number[] = []
  const gets: number[] = []
  for (let i = 0; i < samples; i++) {
    const todoId = `${prefix}-${i}`
    await command(base, 'post-todo', {
      assignee_id: users[i % users.length],
      todo_id: todoId,
      text: 'visible yet?',
    })
    const accepted = performance.now()
    for (let poll = 1; ; poll++) {
      const res = await fetch(`${base}/api/todos/${todoId}`)
      await res.arrayBuffer()
      if (res.status === 200) {
        visible.push(performance.now() - accepted)
        polls.push(poll)
        break
      }
      if (res.status !== 404) throw new Error(`GET /api/todos/${todoId}: ${res.status}`)
      if (performance.now() - accepted > 30_000) throw new Error(`todo ${todoId} not visible within 30 s`)
      await sleep(1)
    }
    const started = performance.now()
    await (await fetch(`${base}/api/todos/${prefix}-0`)).arrayBuffer()
    gets.push(performance.now() - started)
    if ((i + 1) % 100 === 0) process.stderr.write(`  visibility: ${i + 1} / ${samples}\n`)
  }
  return { visible: spread(visible), polls: spread(polls), get: spread(gets) }
}

/**
 * Deadlines through the durable scheduler: `count` todos get deadlines spread over 1–3 s ahead;
 * lateness = the `recordedAt` of the todo's TodoWasMarkedAsExpired (read from the store) minus its
 * deadline. The baseline is a bare `setTimeout` in this process for each of the same deadlines.
 */
export async function timerPrecision(
  base: string,
  store: EventStore,
  users: readonly string[],
  prefix: string,
  count: number,
): Promise<{ expired: Spread; setTimeout: Spread; missing: number }> {
  const deadlines = new Map<string, number>()
  const bare: Promise<number>[] = []
  for (let i = 0; i < count; i++) {
    const todoId = `${prefix}-${i}`
    const userId = users[i % users.length]!
    await command(base, 'post-todo', { assignee_id: userId, todo_id: todoId, text: 'due soon' })
  }
  for (let i = 0; i < count; i++) {
    const todoId = `${prefix}-${i}`
    const deadline = Date.now() + 1000 + Math.round((i * 2000) / Math.max(1, count - 1))
    await command(base, 'add-deadline-to-todo', {
      todo_id: todoId,
      user_id: users[i % users.length],
      deadline: new Date(deadline).toISOString(),
    })
    deadlines.set(todoId, deadline)
    bare.push(
      new Promise((resolve) => setTimeout(() => resolve(Date.now() - deadline), deadline - Date.now())),
    )
  }
  process.stderr.write(`  timers: ${count} deadlines set, waiting for the expiries\n`)
  const lateness = new Map<string, number>()
  const giveUp = Date.now() + 3000 + 60_000
  while (lateness.size < count && Date.now() < giveUp) {
    await sleep(250)
    for (const [todoId, deadline] of deadlines) {
      if (lateness.has(todoId)) continue
      const { events } = await store.readStream(`todo-${todoId}`)
      const expired = events.find((event) => event.type === 'TodoWasMarkedAsExpired')
      if (expired) lateness.set(todoId, expired.recordedAt.getTime() - deadline)
    }
  }
  return {
    expired: spread([...lateness.values()]),
    setTimeout: spread(await Promise.all(bare)),
    missing: count - lateness.size,
  }
}
