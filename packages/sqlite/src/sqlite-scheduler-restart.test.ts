import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startScheduler, type ScheduledEntry } from '@acta/core'
import { eventually, sleep } from '@acta/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { sqliteScheduleStore } from './sqlite-schedule-store.js'

const dir = mkdtempSync(join(tmpdir(), 'acta-scheduler-restart-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the scheduler on SQLite across restarts', () => {
  it('fires a timer that came due while no process ran, exactly once', async () => {
    // Given a process that schedules a timer due in 1.5 s, then shuts down before it is due
    const path = join(dir, 'restart.db')
    const fired: ScheduledEntry[] = []
    const dispatch = (entry: ScheduledEntry) => void fired.push(entry)
    const first = sqliteScheduleStore({ path })
    const firstRunner = startScheduler({ schedules: first, dispatch, pollIntervalMs: 50 })
    const dueAt = new Date(Date.now() + 1500)
    await first.schedule({ id: 'remind-1', dueAt, payload: { type: 'send-reminder', data: { todo: 't-1' } } })
    firstRunner.wake()
    await sleep(100)
    await firstRunner.stop()
    await first.close()
    expect(fired).toEqual([])

    // When a new process opens the same file after the due time
    await sleep(Math.max(0, dueAt.getTime() - Date.now()) + 200)
    expect(fired).toEqual([])
    const second = sqliteScheduleStore({ path })
    const secondRunner = startScheduler({ schedules: second, dispatch, pollIntervalMs: 50 })

    // Then the timer fires once, and stays done
    await eventually(() => fired.length > 0, 5000, 'the timer to fire after the restart')
    await sleep(300)
    expect(fired).toMatchObject([
      { id: 'remind-1', payload: { type: 'send-reminder', data: { todo: 't-1' } } },
    ])
    expect(await second.get('remind-1')).toMatchObject({ status: 'done' })
    await secondRunner.stop()
    await second.close()

    const third = sqliteScheduleStore({ path })
    const thirdRunner = startScheduler({ schedules: third, dispatch, pollIntervalMs: 50 })
    await sleep(200)
    await thirdRunner.stop()
    await third.close()
    expect(fired).toHaveLength(1)
  })

  it('fires again with the same id after a runner died mid-dispatch, once its claim expired', async () => {
    // Given a runner that claimed a due timer and never finished dispatching it (a crash)
    const path = join(dir, 'crash.db')
    const crashed = sqliteScheduleStore({ path })
    await crashed.schedule({
      id: 'remind-2',
      dueAt: new Date(),
      payload: { type: 'send-reminder', data: {} },
    })
    let claimed = false
    let hang!: () => void
    const stuck = startScheduler({
      schedules: crashed,
      dispatch: () => {
        claimed = true
        return new Promise<void>((resolve) => (hang = resolve))
      },
      pollIntervalMs: 50,
      claimTtlMs: 400,
    })
    await eventually(() => claimed, 5000, 'the first runner to claim the timer')

    // When another process runs the scheduler on the same file
    const fired: string[] = []
    const survivor = sqliteScheduleStore({ path })
    const runner = startScheduler({
      schedules: survivor,
      dispatch: (entry) => void fired.push(entry.id),
      pollIntervalMs: 50,
    })

    // Then it fires the timer after the claim expired, with the same id for the receiver to dedupe
    await eventually(() => fired.length > 0, 5000, 'the survivor to fire the timer')
    expect(fired).toEqual(['remind-2'])
    expect(await survivor.get('remind-2')).toMatchObject({ status: 'done' })
    await runner.stop()
    await survivor.close()
    // the stuck dispatch finishing late cannot complete an entry it no longer holds
    hang()
    await stuck.stop()
    expect(stuck.status().fired).toBe(1)
    expect(await crashed.get('remind-2')).toMatchObject({ status: 'done', attempts: 0 })
    await crashed.close()
  })
})
