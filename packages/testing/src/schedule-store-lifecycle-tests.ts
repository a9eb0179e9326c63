import { expect } from 'vitest'
import { expectActaError, sleep } from './event-store-assertions.js'
import { at, fire, ids, minute, request, type ScheduleSuiteContext } from './schedule-store-suite-types.js'

/** Failed dispatches, parking, cancelling, listings, pruning, payloads and validation. */
export function scheduleLifecycleTests(ctx: ScheduleSuiteContext): void {
  const { test } = ctx
  const u = () => ctx.store()

  test('records a failed dispatch and moves the entry to its retry time', async () => {
    const store = u()
    await store.schedule(request('t-1', at(-1000)))
    await store.claimDue({ now: new Date(), limit: 10, owner: 'a', ttlMs: minute })
    const retryAt = at(minute)
    expect(await store.fail('t-1', 'a', 'mail server down', retryAt)).toBe(true)
    expect(await store.get('t-1')).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'mail server down',
      dueAt: retryAt,
    })
    expect(await store.fail('t-1', 'a', 'again', at(0))).toBe(false)
    expect(await store.claimDue({ now: new Date(), limit: 10, owner: 'b', ttlMs: minute })).toEqual([])
    const retried = await store.claimDue({ now: at(2 * minute), limit: 10, owner: 'b', ttlMs: minute })
    expect(retried).toMatchObject([{ id: 't-1', attempts: 1, lastError: 'mail server down' }])
    expect(await store.fail('t-1', 'b', 'still down', at(-1))).toBe(true)
    expect(await store.get('t-1')).toMatchObject({ attempts: 2, lastError: 'still down' })
  })

  test('parks an entry as failed, keeps it out of the way and retries it on request', async () => {
    const store = u()
    await store.schedule(request('t-1', at(-1000)))
    await store.schedule(request('t-2', at(minute)))
    await store.claimDue({ now: new Date(), limit: 10, owner: 'a', ttlMs: minute })
    expect(await store.park('t-1', 'a', 'gave up')).toBe(true)
    expect(await store.get('t-1')).toMatchObject({ status: 'failed', attempts: 1, lastError: 'gave up' })
    expect(ids(await store.failed())).toEqual(['t-1'])
    expect(ids(await store.pending())).toEqual(['t-2'])
    expect(await store.nextDueAt()).toEqual((await store.get('t-2'))!.dueAt)
    expect(await store.claimDue({ now: at(2 * minute), limit: 1, owner: 'b', ttlMs: 1 })).toMatchObject([
      { id: 't-2' },
    ])
    expect(await store.schedule(request('t-1', at(-1000), { v: 2 }))).toBe('failed')
    expect(await store.prune(at(minute))).toBe(0)
    expect(await store.retry('t-2')).toBe(false)
    const dueAt = at(-500)
    expect(await store.retry('t-1', dueAt)).toBe(true)
    expect(await store.retry('t-1')).toBe(false)
    expect(await store.get('t-1')).toMatchObject({
      status: 'pending',
      attempts: 0,
      lastError: 'gave up',
      dueAt,
      payload: { data: { id: 't-1' } },
    })
    expect(await store.failed()).toEqual([])
    expect(ids(await store.claimDue({ now: new Date(), limit: 10, owner: 'c', ttlMs: minute }))).toEqual([
      't-1',
    ])
  })

  test('cancels a pending or parked entry but not one that fired', async () => {
    const store = u()
    await store.schedule(request('pending', at(minute)))
    expect(await store.cancel('pending')).toBe(true)
    expect(await store.get('pending')).toMatchObject({ status: 'cancelled' })
    expect(await store.cancel('pending')).toBe(false)
    await fire(store, 'fired')
    expect(await store.cancel('fired')).toBe(false)
    expect(await store.get('fired')).toMatchObject({ status: 'done' })
    await store.schedule(request('parked', at(-1000)))
    await store.claimDue({ now: new Date(), limit: 10, owner: 'a', ttlMs: minute })
    await store.park('parked', 'a', 'broken')
    expect(await store.cancel('parked')).toBe(true)
    expect(await store.failed()).toEqual([])
    expect(await store.cancel('missing')).toBe(false)
    expect(await store.pending()).toEqual([])
  })

  test('reports the earliest due time among pending entries', async () => {
    const store = u()
    expect(await store.nextDueAt()).toBeUndefined()
    const early = at(-5000)
    await store.schedule(request('cancelled', at(-9000)))
    await store.cancel('cancelled')
    await store.schedule(request('late', at(minute)))
    await store.schedule(request('early', early))
    expect(await store.nextDueAt()).toEqual(early)
    await store.claimDue({ now: new Date(), limit: 1, owner: 'a', ttlMs: minute })
    expect(await store.nextDueAt()).toEqual(early)
    await store.complete('early', 'a')
    expect(await store.nextDueAt()).toEqual((await store.get('late'))!.dueAt)
  })

  test('lists pending entries earliest due first, up to a limit', async () => {
    const store = u()
    await store.schedule(request('b', at(2000)))
    await store.schedule(request('c', at(3000)))
    await store.schedule(request('a', at(1000)))
    await store.schedule(request('x', at(500)))
    await store.cancel('x')
    expect(ids(await store.pending())).toEqual(['a', 'b', 'c'])
    expect(ids(await store.pending({ limit: 2 }))).toEqual(['a', 'b'])
    await expectActaError(store.pending({ limit: 0 }), 'VALIDATION')
  })

  test('lists pending and parked entries by id prefix, as plain text', async () => {
    const store = u()
    await store.schedule(request('pm-a:c-2:t', at(2000)))
    await store.schedule(request('pm-a:c-1:t', at(1000)))
    await store.schedule(request('pm-b:c-1:t', at(500)))
    await store.schedule(request('pm-ab:c-1:t', at(600)))
    await store.schedule(request('pm-%:c-1:t', at(700)))
    await store.schedule(request('pm-_:c-1:t', at(800)))
    await store.schedule(request('pm-a:parked', at(-1000)))
    await store.claimDue({ now: new Date(), limit: 10, owner: 'a', ttlMs: minute })
    expect(await store.park('pm-a:parked', 'a', 'gave up')).toBe(true)

    expect(ids(await store.pending({ idPrefix: 'pm-a:' }))).toEqual(['pm-a:c-1:t', 'pm-a:c-2:t'])
    expect(ids(await store.pending({ idPrefix: 'pm-a:', limit: 1 }))).toEqual(['pm-a:c-1:t'])
    expect(ids(await store.pending({ idPrefix: 'pm-a:c-2:' }))).toEqual(['pm-a:c-2:t'])
    // `%` and `_` are characters of the prefix, not wildcards
    expect(ids(await store.pending({ idPrefix: 'pm-%' }))).toEqual(['pm-%:c-1:t'])
    expect(ids(await store.pending({ idPrefix: 'pm-_' }))).toEqual(['pm-_:c-1:t'])
    expect(ids(await store.pending({ idPrefix: 'none:' }))).toEqual([])
    expect(await store.pending({ idPrefix: '' })).toHaveLength(6)
    expect(ids(await store.failed({ idPrefix: 'pm-a:' }))).toEqual(['pm-a:parked'])
    expect(await store.failed({ idPrefix: 'pm-b:' })).toEqual([])
    await expectActaError(store.pending({ idPrefix: 42 as unknown as string }), 'VALIDATION')
  })

  test('prunes done and cancelled entries created before a time, and nothing else', async () => {
    const store = u()
    await fire(store, 'old-done')
    await store.schedule(request('old-cancelled', at(minute)))
    await store.cancel('old-cancelled')
    await store.schedule(request('old-pending', at(minute)))
    await sleep(30)
    const cut = new Date()
    await sleep(30)
    await fire(store, 'new-done')
    expect(await store.prune(cut)).toBe(2)
    expect(await store.get('old-done')).toBeUndefined()
    expect(await store.get('old-cancelled')).toBeUndefined()
    expect(await store.get('old-pending')).toMatchObject({ status: 'pending' })
    expect(await store.get('new-done')).toMatchObject({ status: 'done' })
    expect(await store.prune(cut)).toBe(0)
  })

  test('round-trips payloads as JSON: unicode, nesting, metadata', async () => {
    const store = u()
    const payload = {
      type: 'send-reminder ✉',
      data: {
        text: 'Grüße, 你好, مرحبا, 👩‍💻 "quoted" \\ back\nslash',
        nested: { list: [1, 2.5, -3, true, null, { deep: ['x'] }], empty: {}, none: [] },
        big: Number.MAX_SAFE_INTEGER,
      },
      metadata: { correlationId: 'c-1', causationId: 'e-1', tenant: 'ü' },
    }
    const id = `reminder:ü/👩‍💻 "1"`
    await store.schedule({ id, dueAt: at(-1000), payload })
    expect((await store.get(id))!.payload).toEqual(payload)
    const [claimed] = await store.claimDue({ now: new Date(), limit: 1, owner: 'a', ttlMs: minute })
    expect(claimed).toMatchObject({ id, payload })
  })

  test('refuses invalid input with VALIDATION errors', async () => {
    const store = u()
    const payload = { type: 'expire-todo', data: {} }
    await expectActaError(store.schedule({ id: '', dueAt: at(0), payload }), 'VALIDATION')
    await expectActaError(store.schedule({ id: 't', dueAt: new Date(Number.NaN), payload }), 'VALIDATION')
    await expectActaError(
      store.schedule({ id: 't', dueAt: 'tomorrow' as unknown as Date, payload }),
      'VALIDATION',
    )
    await expectActaError(
      store.schedule({ id: 't', dueAt: at(0), payload: { data: {} } as never }),
      'VALIDATION',
    )
    await expectActaError(
      store.schedule({ id: 't', dueAt: at(0), payload: { type: '', data: {} } }),
      'VALIDATION',
    )
    await expectActaError(
      store.schedule({ id: 't', dueAt: at(0), payload: { type: 'x', data: { n: 10n } } }),
      'VALIDATION',
    )
    const claim = { now: new Date(), limit: 10, owner: 'a', ttlMs: minute }
    await expectActaError(store.claimDue({ ...claim, limit: 0 }), 'VALIDATION')
    await expectActaError(store.claimDue({ ...claim, owner: '' }), 'VALIDATION')
    await expectActaError(store.claimDue({ ...claim, ttlMs: 0 }), 'VALIDATION')
    await expectActaError(store.claimDue({ ...claim, now: new Date(Number.NaN) }), 'VALIDATION')
    expect(await store.get('t')).toBeUndefined()
  })

  test('takes a rescheduled entry from its claimant, so the new time fires', async () => {
    const store = u()
    await store.schedule(request('t-1', at(-1000), { v: 1 }))
    await store.claimDue({ now: new Date(), limit: 10, owner: 'a', ttlMs: minute })
    const later = at(minute)
    expect(await store.schedule(request('t-1', later, { v: 2 }))).toBe('pending')
    expect(await store.complete('t-1', 'a')).toBe(false)
    const claimed = await store.claimDue({ now: at(2 * minute), limit: 10, owner: 'b', ttlMs: minute })
    expect(claimed).toMatchObject([{ id: 't-1', dueAt: later, payload: { data: { v: 2 } } }])
  })
}
