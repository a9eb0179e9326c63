import { isActaError, uuidv7, type IncomingMessage, type Transport } from '@acta/core'
import { afterEach, beforeEach, describe, expect } from 'vitest'
import { conformanceTests } from './conformance-tests.js'
import { eventually, expectActaError, sleep } from './event-store-assertions.js'

export interface TransportUnderTest {
  transport: Transport
  /** Another connection to the same broker (another process, in effect). Memory returns the same one. */
  connect: () => Promise<Transport>
  dispose?: () => Promise<void>
}

export interface TransportSuiteOptions {
  create(): Promise<TransportUnderTest>
  /** Tests that do not apply to this adapter, by exact name, each with its reason. */
  exceptions?: Record<string, string>
}

/**
 * The one conformance suite every Transport adapter runs.
 *
 * @example
 * transportSuite('memory', { create: async () => { const t = memoryTransport(); return { transport: t, connect: async () => t } } })
 */
export function transportSuite(name: string, options: TransportSuiteOptions): void {
  const { test, checkExceptions } = conformanceTests(name, options.exceptions, 30_000)
  let current: TransportUnderTest | undefined
  const extra: Transport[] = []
  const t = (): Transport => current!.transport
  const connect = async (): Promise<Transport> => {
    const other = await current!.connect()
    if (other !== current!.transport) extra.push(other)
    return other
  }
  const unique = (base: string) => `${base}-${uuidv7().slice(-12)}`

  describe(`Transport conformance: ${name}`, () => {
    beforeEach(async () => {
      current = await options.create()
    })
    afterEach(async () => {
      for (const other of extra.splice(0)) await other.close()
      await current?.transport.close()
      await current?.dispose?.()
      current = undefined
    })

    test('delivers each sent command to exactly one of several competing consumers', async () => {
      const queue = unique('commands')
      const seen = new Map<string, number>()
      const handledBy = [0, 0]
      const handler = (i: number) => async (m: IncomingMessage) => {
        await sleep(2)
        handledBy[i]!++
        seen.set(m.headers.messageId, (seen.get(m.headers.messageId) ?? 0) + 1)
      }
      await t().consume(queue, handler(0), { concurrency: 2 })
      await (await connect()).consume(queue, handler(1), { concurrency: 2 })
      for (let i = 0; i < 40; i++) await t().send(queue, { type: 'DoIt', data: { i } })
      await eventually(() => seen.size === 40, 15_000, '40 commands')
      await sleep(100)
      expect([...seen.values()].every((n) => n === 1)).toBe(true)
      expect(handledBy[0]! + handledBy[1]!).toBe(40)
      expect(handledBy[0]).toBeGreaterThan(0)
      expect(handledBy[1]).toBeGreaterThan(0)
    })

    test('keeps commands sent before any consumer exists', async () => {
      const queue = unique('early')
      for (let i = 0; i < 5; i++) await t().send(queue, { type: 'Early', data: { i } })
      const got: number[] = []
      await (await connect()).consume(queue, (m) => void got.push((m.data as { i: number }).i))
      await eventually(() => got.length === 5, 10_000, 'early commands')
      expect(got.sort()).toEqual([0, 1, 2, 3, 4])
    })

    test('publishes every event to every broadcast subscriber', async () => {
      const topic = unique('orders') + '.OrderPlaced'
      const a: unknown[] = []
      const b: unknown[] = []
      await t().subscribe([topic], (m) => void a.push(m.data))
      await (await connect()).subscribe([topic], (m) => void b.push(m.data))
      for (let i = 0; i < 10; i++) await t().publish(topic, { type: 'OrderPlaced', data: { i } })
      await eventually(() => a.length === 10 && b.length === 10, 10_000, 'both subscribers')
      expect(b).toEqual(a)
    })

    test('delivers each published event to exactly one member of a group, beside broadcast subscribers', async () => {
      const prefix = unique('todo')
      const group = unique('todo-read')
      const members = [new Map<string, number>(), new Map<string, number>()]
      const everyone: string[] = []
      const count = (map: Map<string, number>) => (m: IncomingMessage) => {
        map.set(m.headers.messageId, (map.get(m.headers.messageId) ?? 0) + 1)
      }
      await t().subscribe([`${prefix}.*`], count(members[0]!), { group })
      await (await connect()).subscribe([`${prefix}.*`], count(members[1]!), { group })
      await t().subscribe([`${prefix}.#`], (m) => void everyone.push(m.headers.messageId))
      for (let i = 0; i < 30; i++)
        await t().publish(`${prefix}.TodoWasPosted`, { type: 'TodoWasPosted', data: { i } })
      await eventually(
        () => members[0]!.size + members[1]!.size === 30 && everyone.length === 30,
        10_000,
        'group',
      )
      await sleep(100)
      const ids = [...members[0]!.keys(), ...members[1]!.keys()]
      expect(new Set(ids).size).toBe(30)
      expect([...members[0]!.values(), ...members[1]!.values()].every((n) => n === 1)).toBe(true)
      expect(new Set(everyone)).toEqual(new Set(ids))
    })

    test('keeps a group’s events while no member is connected', async () => {
      const topic = `${unique('kept')}.Happened`
      const group = unique('late')
      const first = await t().subscribe([topic], () => undefined, { group })
      await first.close()
      for (let i = 0; i < 3; i++) await t().publish(topic, { type: 'Happened', data: { i } })
      const got: unknown[] = []
      await (await connect()).subscribe([topic], (m) => void got.push(m.data), { group })
      await eventually(() => got.length === 3, 10_000, 'kept events')
    })

    test('matches topics with * (one word) and # (any words)', async () => {
      const p = unique('m')
      const star: string[] = []
      const hash: string[] = []
      await t().subscribe([`${p}.*.created`], (m) => void star.push(m.source))
      await t().subscribe([`${p}.#`], (m) => void hash.push(m.source))
      for (const topic of [
        `${p}.user.created`,
        `${p}.user.profile.created`,
        `${p}.todo.created`,
        `${p}.user.deleted`,
      ]) {
        await t().publish(topic, { type: 'T', data: null })
      }
      await eventually(() => hash.length === 4, 10_000, 'all topics')
      await sleep(50)
      expect(star.sort()).toEqual([`${p}.todo.created`, `${p}.user.created`])
    })

    test('carries messageId, type, correlation, causation, trace context and custom headers', async () => {
      const queue = unique('headers')
      let got: IncomingMessage | undefined
      await t().consume(queue, (m) => void (got = m))
      const headers = {
        messageId: uuidv7(),
        correlationId: 'corr-1',
        causationId: 'cause-1',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        tracestate: 'acta=1',
        tenant: 'acme',
        priority: 3,
        urgent: true,
      }
      await t().send(queue, {
        type: 'WithHeaders',
        data: { nested: { a: [1, 'b', null] }, text: 'é ☕' },
        headers,
      })
      await eventually(() => got !== undefined, 10_000, 'the message')
      expect(got!.type).toBe('WithHeaders')
      expect(got!.headers).toMatchObject({ ...headers, type: 'WithHeaders' })
      expect(got!.data).toEqual({ nested: { a: [1, 'b', null] }, text: 'é ☕' })
      expect(got!.attempt).toBe(1)
      expect(got!.source).toBe(queue)
    })

    test('redelivers a failed message with growing backoff and stops once it succeeds', async () => {
      const queue = unique('flaky')
      const attempts: { attempt: number; at: number }[] = []
      await t().consume(
        queue,
        (m) => {
          attempts.push({ attempt: m.attempt, at: Date.now() })
          if (m.attempt < 3) throw new Error('not yet')
        },
        { retryDelayMs: 50, maxAttempts: 5 },
      )
      await t().send(queue, { type: 'Flaky', data: {} })
      await eventually(() => attempts.length === 3, 15_000, 'three attempts')
      await sleep(400)
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3])
      expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(45)
      expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(95)
      expect(await t().listDeadLetters(queue)).toEqual([])
    })

    test('parks a poison message after maxAttempts, lists it, and replays it', async () => {
      const queue = unique('poison')
      let healthy = false
      const handled: number[] = []
      await t().consume(
        queue,
        (m) => {
          if (!healthy) throw new Error(`cannot handle ${m.type}`)
          handled.push(m.attempt)
        },
        { retryDelayMs: 10, maxAttempts: 3 },
      )
      await t().send(queue, { type: 'Poison', data: { bad: true }, headers: { correlationId: 'c-9' } })
      await t().send(queue, { type: 'Poison', data: { bad: false } })
      let letters = await t().listDeadLetters(queue)
      await eventually(
        async () => (letters = await t().listDeadLetters(queue)).length === 2,
        15_000,
        'dead letters',
      )
      expect(letters[0]).toMatchObject({ queue, attempts: 3, error: 'cannot handle Poison' })
      expect(letters.map((l) => l.message.data)).toEqual([{ bad: true }, { bad: false }])
      expect(letters[0]!.message.headers).toMatchObject({ type: 'Poison', correlationId: 'c-9' })
      healthy = true
      expect(await t().replayDeadLetters([letters[0]!.id])).toBe(1)
      await eventually(() => handled.length === 1, 10_000, 'the replayed message')
      expect(handled).toEqual([1])
      expect((await t().listDeadLetters(queue)).map((l) => l.id)).toEqual([letters[1]!.id])
      expect(await t().replayDeadLetters(['no-such-id'])).toBe(0)
    })

    test('lists its queues with what waits, who consumes and what is parked, seen from another connection', async () => {
      const queue = unique('depth')
      const other = await connect()
      const statusOf = async (name: string) => (await other.queues()).find((q) => q.queue === name)
      // Given three commands sent before anyone consumes them
      for (const type of ['Poison', 'Block', 'Wait']) await t().send(queue, { type, data: {} })
      await eventually(
        async () =>
          JSON.stringify(await statusOf(queue)) ===
          JSON.stringify({ queue, ready: 3, consumers: 0, parked: 0 }),
        10_000,
        'three commands waiting',
      )
      // When one consumer (one at a time) parks the first and holds the second
      let release = () => {}
      const held = new Promise<void>((resolve) => (release = resolve))
      let done = 0
      const consumer = await t().consume(
        queue,
        async (m) => {
          if (m.type === 'Poison') throw new Error('poison')
          if (m.type === 'Block') await held
          done++
        },
        { concurrency: 1, maxAttempts: 1 },
      )
      // Then one waits, one is being handled (not counted), one is parked, one consumer is attached
      await eventually(
        async () =>
          JSON.stringify(await statusOf(queue)) ===
          JSON.stringify({ queue, ready: 1, consumers: 1, parked: 1 }),
        10_000,
        'one waiting, one parked, one consumer',
      )
      // And once it is released and closed, nothing waits and nobody consumes
      release()
      await eventually(() => done === 2, 10_000, 'the held commands handled')
      await consumer.close()
      await eventually(
        async () =>
          JSON.stringify(await statusOf(queue)) ===
          JSON.stringify({ queue, ready: 0, consumers: 0, parked: 1 }),
        10_000,
        'a drained queue without consumers',
      )
    })

    test('lists a group’s queue, not an anonymous broadcast subscriber’s', async () => {
      const topic = `${unique('listed')}.Happened`
      const group = unique('readers')
      const broadcast: unknown[] = []
      await (await t().subscribe([topic], () => undefined, { group })).close()
      const anonymous = await t().subscribe([topic], (m) => void broadcast.push(m.data))
      for (let i = 0; i < 2; i++) await t().publish(topic, { type: 'Happened', data: { i } })
      await eventually(() => broadcast.length === 2, 10_000, 'the broadcast subscriber’s events')
      let listed: unknown[] = []
      await eventually(
        async () => {
          const all = await t().queues()
          listed = all.filter((q) => q.queue === `group.${group}` || q.queue.startsWith('broadcast.'))
          return (
            JSON.stringify(listed) ===
            JSON.stringify([{ queue: `group.${group}`, ready: 2, consumers: 0, parked: 0 }])
          )
        },
        10_000,
        'the group’s queue alone',
      )
      await anonymous.close()
    })

    test('lists a named subscriber’s queue', async () => {
      const topic = `${unique('named')}.Happened`
      const subscriberId = unique('replica')
      await (await t().subscribe([topic], () => undefined, { subscriberId })).close()
      for (let i = 0; i < 2; i++) await t().publish(topic, { type: 'Happened', data: { i } })
      const queue = `subscriber.${subscriberId}`
      await eventually(
        async () =>
          JSON.stringify((await t().queues()).find((q) => q.queue === queue)) ===
          JSON.stringify({ queue, ready: 2, consumers: 0, parked: 0 }),
        10_000,
        'the named subscriber’s queue',
      )
    })

    test('never runs more handlers at once than the concurrency limit', async () => {
      const queue = unique('limited')
      let inFlight = 0
      let peak = 0
      let done = 0
      await t().consume(
        queue,
        async () => {
          peak = Math.max(peak, ++inFlight)
          await sleep(20)
          inFlight--
          done++
        },
        { concurrency: 3 },
      )
      await Promise.all(Array.from({ length: 15 }, (_, i) => t().send(queue, { type: 'Work', data: { i } })))
      await eventually(() => done === 15, 15_000, 'all work')
      expect(peak).toBe(3)
    })

    test('drains on close: in-flight handlers finish, nothing new starts, the rest waits for the next consumer', async () => {
      const queue = unique('drain')
      const started: number[] = []
      const finished: number[] = []
      const consumer = await t().consume(
        queue,
        async (m) => {
          const { i } = m.data as { i: number }
          started.push(i)
          await sleep(150)
          finished.push(i)
        },
        { concurrency: 2 },
      )
      for (let i = 0; i < 6; i++) await t().send(queue, { type: 'Slow', data: { i } })
      await eventually(() => started.length === 2, 10_000, 'two in flight')
      await consumer.close()
      expect(finished.sort()).toEqual([...started].sort())
      const startedBeforeClose = started.length
      await sleep(200)
      expect(started.length).toBe(startedBeforeClose)
      const rest: number[] = []
      await (await connect()).consume(queue, (m) => void rest.push((m.data as { i: number }).i))
      await eventually(() => rest.length + startedBeforeClose >= 6, 10_000, 'the rest')
      expect(new Set([...started, ...rest])).toEqual(new Set([0, 1, 2, 3, 4, 5]))
    })

    test('correlates concurrent requests with their replies', async () => {
      const service = unique('calc')
      await (
        await connect()
      ).respond(service, async (m) => {
        const { a, b } = m.data as { a: number; b: number }
        await sleep(Math.random() * 20)
        return { sum: a + b }
      })
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          t().request(service, {
            type: 'Add',
            data: { a: i, b: 100 },
            headers: { correlationId: `flow-${i}` },
          }),
        ),
      )
      replies.forEach((reply, i) => {
        expect(reply.data).toEqual({ sum: i + 100 })
        expect(reply.headers.correlationId).toBe(`flow-${i}`)
      })
    })

    test('fails a request with TIMEOUT when nobody answers in time', async () => {
      const service = unique('nobody')
      const started = Date.now()
      await expectActaError(t().request(service, { type: 'Ping', data: {} }, { timeoutMs: 300 }), 'TIMEOUT')
      expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    })

    test('returns a responder’s refusal as an ActaError with its code', async () => {
      const service = unique('strict')
      await t().respond(service, (m) => {
        if ((m.data as { ok: boolean }).ok) return 'fine'
        throw new (class extends Error {})('should stay private')
      })
      const strict = unique('stricter')
      await t().respond(strict, async () => {
        const { ActaError } = await import('@acta/core')
        throw new ActaError('FORBIDDEN', 'not yours', { details: { owner: 'x' } })
      })
      expect((await t().request(service, { type: 'Q', data: { ok: true } })).data).toBe('fine')
      const forbidden = await expectActaError(t().request(strict, { type: 'Q', data: {} }), 'FORBIDDEN')
      expect(forbidden.message).toBe('not yours')
      expect(forbidden.details).toEqual({ owner: 'x' })
      const internal = await expectActaError(
        t().request(service, { type: 'Q', data: { ok: false } }),
        'INTERNAL',
      )
      expect(internal.message).not.toContain('private')
    })

    test('keeps events for a named broadcast subscriber while it is away', async () => {
      const topic = `${unique('replica')}.ValuePut`
      const subscriberId = unique('replica-2')
      const first = await t().subscribe([topic], () => undefined, { subscriberId })
      await first.close()
      await t().publish(topic, { type: 'ValuePut', data: { k: 1 } })
      const got: unknown[] = []
      await (await connect()).subscribe([topic], (m) => void got.push(m.data), { subscriberId })
      await eventually(() => got.length === 1, 10_000, 'the event published while away')
    })

    test('refuses invalid names, messages and options with VALIDATION', async () => {
      const bad: Promise<unknown>[] = [
        t().send('', { type: 'X', data: {} }),
        t().send('has space', { type: 'X', data: {} }),
        t().send('q', { type: '', data: {} }),
        t().send('q', { type: 'X', data: { n: 1n } }),
        t().send('q', { type: 'X', data: {}, headers: { nested: {} as never } }),
        t().publish('a..b', { type: 'X', data: {} }),
        t().subscribe([], () => undefined),
        t().subscribe(['a.b*'], () => undefined),
        t().consume('q', () => undefined, { concurrency: 0 }),
        t().subscribe(['a'], () => undefined, { group: 'g', subscriberId: 's' }),
      ]
      for (const attempt of bad) {
        const error = await attempt.then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(isActaError(error, 'VALIDATION'), `expected VALIDATION, got ${String(error)}`).toBe(true)
      }
    })

    checkExceptions()
  })
}
