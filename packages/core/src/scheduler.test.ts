import { afterEach, describe, expect, it } from 'vitest'
import { isActaError } from './errors.js'
import { memoryScheduleStore, type ScheduleStore, type ScheduledEntry } from './schedule-store.js'
import {
  scheduledCommand,
  startScheduler,
  type Scheduler,
  type SchedulerErrorContext,
  type SchedulerOptions,
} from './scheduler.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const until = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}
const at = (offsetMs: number) => new Date(Date.now() + offsetMs)
const timer = (id: string, dueAt: Date) => ({ id, dueAt, payload: { type: 'expire-todo', data: { id } } })

const running: Scheduler[] = []
const start = (options: SchedulerOptions) => {
  const scheduler = startScheduler({ onError: () => undefined, ...options })
  running.push(scheduler)
  return scheduler
}
afterEach(async () => {
  for (const scheduler of running.splice(0)) await scheduler.stop()
})

describe('startScheduler', () => {
  it('fires an entry at its due time, not before, without waiting for the poll interval', async () => {
    // Given a runner that would poll only once a minute and a timer due shortly
    const schedules = memoryScheduleStore()
    await schedules.schedule(timer('t-1', at(400)))
    const fired: ScheduledEntry[] = []
    const scheduler = start({
      schedules,
      dispatch: (entry) => void fired.push(entry),
      pollIntervalMs: 60_000,
    })
    // When it is not yet due, Then nothing fired
    await sleep(50)
    expect(fired).toEqual([])
    // When the due time passes, Then it fired once, with its payload, and is done
    await until(() => fired.length > 0, 'the timer to fire', 5000)
    expect(fired).toMatchObject([{ id: 't-1', payload: { type: 'expire-todo', data: { id: 't-1' } } }])
    await until(async () => (await schedules.get('t-1'))?.status === 'done', 'done')
    expect(scheduler.status()).toMatchObject({ fired: 1, failed: 0 })
  })

  it('fires a near timer at once when woken, and finds one scheduled behind its back by polling', async () => {
    const schedules = memoryScheduleStore()
    const fired: string[] = []
    const dispatch = (entry: ScheduledEntry) => void fired.push(entry.id)
    const sleepy = start({ schedules, dispatch, pollIntervalMs: 60_000 })
    await sleep(20)
    await schedules.schedule(timer('woken', at(-1)))
    sleepy.wake()
    await until(() => fired.includes('woken'), 'the woken runner to fire', 5000)

    const other = memoryScheduleStore()
    const fired2: string[] = []
    start({ schedules: other, dispatch: (entry) => void fired2.push(entry.id), pollIntervalMs: 30 })
    await sleep(20)
    await other.schedule(timer('polled', at(-1)))
    await until(() => fired2.includes('polled'), 'the polling runner to fire', 5000)
  })

  it('fires each entry once when two runners share a store', async () => {
    const schedules = memoryScheduleStore()
    for (let i = 0; i < 60; i++) await schedules.schedule(timer(`t-${i}`, at(i % 2 === 0 ? -10 : 100)))
    const fired: string[] = []
    const dispatch = async (entry: ScheduledEntry) => {
      await sleep(1)
      fired.push(entry.id)
    }
    const a = start({ schedules, dispatch, pollIntervalMs: 20, batchSize: 4, owner: 'a' })
    const b = start({ schedules, dispatch, pollIntervalMs: 20, batchSize: 4, owner: 'b' })
    await until(() => fired.length >= 60, 'every timer to fire', 10_000)
    await sleep(100)
    expect(fired).toHaveLength(60)
    expect(new Set(fired).size).toBe(60)
    expect(a.status().fired + b.status().fired).toBe(60)
    expect(await schedules.pending()).toEqual([])
  })

  it('retries a failing dispatch with backoff, parks it after maxAttempts, and fires it after a retry', async () => {
    // Given a dispatch that fails until told otherwise
    const schedules = memoryScheduleStore()
    await schedules.schedule(timer('t-1', at(-1)))
    let broken = true
    let calls = 0
    const delays: number[] = []
    const errors: SchedulerErrorContext[] = []
    const scheduler = start({
      schedules,
      dispatch: () => {
        calls++
        if (broken) throw new Error(`mail server down (${calls})`)
      },
      pollIntervalMs: 20,
      maxAttempts: 3,
      backoff: (failures) => {
        delays.push(failures)
        return 10 * failures
      },
      onError: (_error, context) => void errors.push(context),
    })
    // Then after three failures it is parked, visible, with its last error
    await until(async () => (await schedules.get('t-1'))?.status === 'failed', 'the entry to be parked')
    expect(calls).toBe(3)
    expect(delays).toEqual([1, 2])
    expect(errors.map((e) => [e.entry?.id, e.attempt, e.parked])).toEqual([
      ['t-1', 1, false],
      ['t-1', 2, false],
      ['t-1', 3, true],
    ])
    expect(await schedules.failed()).toMatchObject([
      { id: 't-1', attempts: 3, lastError: 'mail server down (3)' },
    ])
    expect(scheduler.status()).toMatchObject({
      failed: 3,
      parked: 1,
      fired: 0,
      lastError: 'mail server down (3)',
    })
    // And it stays parked
    await sleep(100)
    expect(calls).toBe(3)
    // When an operator retries it after the fix, Then it fires
    broken = false
    expect(await schedules.retry('t-1')).toBe(true)
    scheduler.wake()
    await until(async () => (await schedules.get('t-1'))?.status === 'done', 'the retried entry to fire')
    expect(calls).toBe(4)
  })

  it('waits for dispatches in flight when stopped', async () => {
    const schedules = memoryScheduleStore()
    await schedules.schedule(timer('slow', at(-1)))
    let release!: () => void
    let started = false
    const scheduler = start({
      schedules,
      dispatch: () => {
        started = true
        return new Promise<void>((resolve) => (release = resolve))
      },
      pollIntervalMs: 20,
    })
    await until(() => started, 'the dispatch to start')
    let stopped = false
    const stopping = scheduler.stop().then(() => (stopped = true))
    await sleep(50)
    expect(stopped).toBe(false)
    release()
    await stopping
    expect((await schedules.get('slow'))?.status).toBe('done')
    expect(scheduler.status()).toMatchObject({ state: 'stopped', fired: 1 })
  })

  it('reports store errors and keeps running', async () => {
    const inner = memoryScheduleStore()
    let failures = 2
    const schedules: ScheduleStore = {
      ...inner,
      claimDue: (options) => {
        if (failures-- > 0) return Promise.reject(new Error('database is restarting'))
        return inner.claimDue(options)
      },
    }
    await inner.schedule(timer('t-1', at(-1)))
    const errors: unknown[] = []
    const fired: string[] = []
    start({
      schedules,
      dispatch: (entry) => void fired.push(entry.id),
      backoff: () => 10,
      onError: (error) => void errors.push(error),
    })
    await until(() => fired.length === 1, 'the entry to fire after the store recovered')
    expect(errors.map((e) => (e as Error).message)).toEqual([
      'database is restarting',
      'database is restarting',
    ])
  })

  it('reports to console.error when no onError is given', async () => {
    const schedules = memoryScheduleStore()
    await schedules.schedule(timer('t-1', at(-1)))
    const logged: unknown[][] = []
    const original = console.error
    console.error = (...args: unknown[]) => void logged.push(args)
    try {
      const scheduler = startScheduler({
        schedules,
        dispatch: () => Promise.reject(new Error('boom')),
        backoff: () => 60_000,
      })
      running.push(scheduler)
      await until(() => logged.length > 0, 'a report')
    } finally {
      console.error = original
    }
    expect(logged[0]).toContainEqual(new Error('boom'))
  })

  it('refuses invalid options', () => {
    const schedules = memoryScheduleStore()
    const dispatch = () => undefined
    for (const bad of [{ pollIntervalMs: 0 }, { batchSize: 1.5 }, { maxAttempts: 0 }, { claimTtlMs: -1 }]) {
      let error: unknown
      try {
        startScheduler({ schedules, dispatch, ...bad })
      } catch (e) {
        error = e
      }
      expect(isActaError(error, 'VALIDATION'), JSON.stringify(bad)).toBe(true)
    }
  })

  it('turns an entry into its command, with the entry id as message id', () => {
    const entry: ScheduledEntry = {
      id: 'expire-t-1',
      dueAt: new Date(),
      payload: { type: 'MarkTodoAsExpired', data: { todoId: 't-1' }, metadata: { correlationId: 'c-1' } },
      status: 'pending',
      attempts: 0,
      lastError: undefined,
      createdAt: new Date(),
    }
    expect(scheduledCommand(entry)).toEqual({
      type: 'MarkTodoAsExpired',
      data: { todoId: 't-1' },
      metadata: { correlationId: 'c-1', messageId: 'expire-t-1' },
    })
  })
})
