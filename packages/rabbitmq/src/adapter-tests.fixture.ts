// Behaviour of the RabbitMQ adapter beyond the conformance suite, registered by the one test file.
import { isActaError, uuidv7, type IncomingMessage, type Transport } from '@acta/core'
import { eventually, expectActaError, sleep } from '@acta/testing'
import amqp, { type ChannelModel } from 'amqplib'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { closeConnections, rabbitmqctl, testUrl } from './broker.fixture.js'
import type { RabbitmqTransport, RabbitmqTransportOptions } from './index.js'

export interface AdapterTestContext {
  fresh: () => string
  open: (prefix: string, options?: Partial<RabbitmqTransportOptions>) => RabbitmqTransport
  /** rabbitmqctl works on this machine. */
  ctl: boolean
}

interface QueueInfo {
  name: string
  durable: boolean
  exclusive: boolean
  auto_delete: boolean
  arguments: Record<string, unknown> | [string, string, unknown][]
}

const queueInfo = async (prefix: string): Promise<Map<string, QueueInfo>> => {
  const out = await rabbitmqctl(
    'list_queues',
    'name',
    'durable',
    'exclusive',
    'auto_delete',
    'arguments',
    '--formatter',
    'json',
  )
  const all = (JSON.parse(out) as QueueInfo[]).filter((q) => q.name.startsWith(`${prefix}.`))
  return new Map(all.map((q) => [q.name.slice(prefix.length + 1), q]))
}

const args = (q: QueueInfo | undefined): Record<string, unknown> => {
  if (!q) return {}
  if (!Array.isArray(q.arguments)) return q.arguments
  return Object.fromEntries(q.arguments.map(([key, , value]) => [key, value]))
}

export function adapterTests({ fresh, open, ctl }: AdapterTestContext): void {
  describe('RabbitMQ adapter', () => {
    const opened: Transport[] = []
    let raw: ChannelModel
    const start = (prefix: string, options?: Partial<RabbitmqTransportOptions>): RabbitmqTransport => {
      const transport = open(prefix, options)
      opened.push(transport)
      return transport
    }
    beforeAll(async () => {
      raw = await amqp.connect(testUrl)
      raw.on('error', () => undefined)
    })
    afterAll(async () => raw.close().catch(() => undefined))
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((t) => t.close()))
    })

    it('maps message headers to AMQP properties and headers', async () => {
      const prefix = fresh()
      const transport = start(prefix)
      const messageId = uuidv7()
      await transport.send('wire', {
        type: 'WithHeaders',
        data: { a: 1 },
        headers: {
          messageId,
          correlationId: 'corr-1',
          causationId: 'cause-1',
          traceparent: 'tp',
          tenant: 'acme',
          n: 3,
        },
      })
      const ch = await raw.createChannel()
      const got = await ch.get(`${prefix}.q.wire`, { noAck: true })
      await ch.close()
      expect(got).not.toBe(false)
      if (got === false) return
      expect(got.properties).toMatchObject({
        messageId,
        type: 'WithHeaders',
        correlationId: 'corr-1',
        contentType: 'application/json',
        deliveryMode: 2,
      })
      expect(got.properties.headers).toEqual({
        causationId: 'cause-1',
        traceparent: 'tp',
        tenant: 'acme',
        n: 3,
      })
      expect(JSON.parse(got.content.toString())).toEqual({ a: 1 })
    })

    it('reads a message a plain AMQP client sent, and keeps its own x- headers', async () => {
      const prefix = fresh()
      const transport = start(prefix)
      let got: IncomingMessage | undefined
      await transport.consume('foreign', (m) => void (got = m))
      const ch = await raw.createChannel()
      ch.sendToQueue(`${prefix}.q.foreign`, Buffer.from('{"x":1}'), {
        messageId: 'm-1',
        type: 'Foreign',
        headers: { 'x-request-id': 'r-1', flag: false },
      })
      await ch.close()
      await eventually(() => got !== undefined, 10_000, 'the foreign message')
      expect(got).toMatchObject({
        type: 'Foreign',
        data: { x: 1 },
        attempt: 1,
        headers: { messageId: 'm-1', type: 'Foreign', 'x-request-id': 'r-1', flag: false },
      })
    })

    it('carries a type and ids too long for AMQP properties in headers instead', async () => {
      const prefix = fresh()
      const transport = start(prefix)
      const type = 'é'.repeat(200)
      const messageId = `id-${'x'.repeat(300)}`
      let got: IncomingMessage | undefined
      await transport.consume('long', (m) => void (got = m))
      await transport.send('long', {
        type,
        data: null,
        headers: { messageId, correlationId: 'c'.repeat(256) },
      })
      await eventually(() => got !== undefined, 10_000, 'the message')
      expect(got!.type).toBe(type)
      expect(got!.headers).toMatchObject({ messageId, type, correlationId: 'c'.repeat(256) })
    })

    it.skipIf(!ctl)('declares the documented topology', async () => {
      const prefix = fresh()
      const transport = start(prefix, { subscriberExpiresMs: 60_000 })
      await transport.consume('work', () => undefined)
      await transport.subscribe(['a.*'], () => undefined, { group: 'readers' })
      await transport.subscribe(['a.*'], () => undefined, { subscriberId: 'replica-1' })
      await transport.subscribe(['a.*'], () => undefined)
      await transport.respond('calc', () => 1)
      await transport.consume('poison', () => Promise.reject(new Error('no')), {
        maxAttempts: 2,
        retryDelayMs: 25,
      })
      await transport.send('poison', { type: 'P', data: null })
      await eventually(async () => (await transport.listDeadLetters('poison')).length === 1, 10_000, 'parked')
      const queues = await queueInfo(prefix)
      expect(queues.get('q.work')).toMatchObject({ durable: true, exclusive: false })
      expect(args(queues.get('q.work'))).toMatchObject({ 'x-queue-type': 'classic' })
      expect(queues.get('q.group.readers')).toMatchObject({ durable: true, exclusive: false })
      expect(args(queues.get('q.subscriber.replica-1'))).toMatchObject({ 'x-expires': 60_000 })
      const broadcast = [...queues.keys()].find((name) => name.startsWith('q.broadcast.'))
      expect(queues.get(broadcast!)).toMatchObject({ durable: false, exclusive: true, auto_delete: true })
      expect(queues.get('q.rpc.calc')).toMatchObject({ durable: true })
      expect(args(queues.get('retry.25'))).toMatchObject({
        'x-message-ttl': 25,
        'x-dead-letter-exchange': '',
      })
      expect(queues.get('parked.poison')).toMatchObject({ durable: true })
      expect(queues.has('parked-catalog')).toBe(true)
      expect(queues.get('queue-catalog')).toMatchObject({ durable: true, exclusive: false })
      expect(args(queues.get('queue-catalog'))).toMatchObject({ 'x-queue-type': 'classic' })
      expect((await transport.queues()).map((q) => q.queue)).toEqual([
        'group.readers',
        'poison',
        'rpc.calc',
        'work',
      ])
      expect([...queues.keys()].some((name) => name.startsWith('reply.'))).toBe(false)
      const exchanges = JSON.parse(
        await rabbitmqctl('list_exchanges', 'name', 'type', 'durable', '--formatter', 'json'),
      ) as { name: string; type: string; durable: boolean }[]
      expect(exchanges.filter((e) => e.name.startsWith(`${prefix}.`))).toEqual(
        expect.arrayContaining([
          { name: `${prefix}.events`, type: 'topic', durable: true },
          { name: `${prefix}.retry`, type: 'headers', durable: true },
        ]),
      )
    })

    it('refuses with CONFLICT a subscriber whose queue exists with other arguments', async () => {
      const prefix = fresh()
      await start(prefix, { subscriberExpiresMs: 60_000 }).subscribe(['x'], () => undefined, {
        subscriberId: 's',
      })
      const other = start(prefix, { subscriberExpiresMs: 120_000 })
      await expectActaError(
        other.subscribe(['x'], () => undefined, { subscriberId: 's' }),
        'CONFLICT',
      )
      await other.send('still-works', { type: 'T', data: null })
    })

    it('declares a queue again when it was deleted behind its back, so a send is not lost', async () => {
      const prefix = fresh()
      const transport = start(prefix)
      await transport.send('vanishing', { type: 'First', data: null })
      const ch = await raw.createChannel()
      await ch.deleteQueue(`${prefix}.q.vanishing`)
      await ch.close()
      await transport.send('vanishing', { type: 'Second', data: null })
      const got: string[] = []
      await start(prefix).consume('vanishing', (m) => void got.push(m.type))
      await eventually(() => got.length === 1, 10_000, 'the second message')
      await sleep(50)
      expect(got).toEqual(['Second'])
    })

    it('resumes a consumer whose queue was deleted behind its back', async () => {
      const prefix = fresh()
      const transport = start(prefix)
      const got: number[] = []
      await transport.consume('deleted', (m) => void got.push(m.data as number))
      const ch = await raw.createChannel()
      await ch.deleteQueue(`${prefix}.q.deleted`)
      await ch.close()
      await sleep(300) // the broker cancels the consumer; it declares the queue again and consumes
      await transport.send('deleted', { type: 'T', data: 1 })
      await eventually(() => got.length === 1, 10_000, 'the message after the queue came back')
    })

    it('leaves a named subscriber’s queue out of queues(), so polling it lets an abandoned one expire', async () => {
      const prefix = fresh()
      const transport = start(prefix, { subscriberExpiresMs: 1000 })
      const other = start(prefix, { subscriberExpiresMs: 1000 })
      const exists = async (queue: string) => {
        const ch = await raw.createChannel()
        ch.on('error', () => undefined)
        try {
          await ch.checkQueue(queue)
          await ch.close()
          return true
        } catch {
          return false
        }
      }
      await transport.send('kept', { type: 'T', data: null })
      await (await transport.subscribe(['e.x'], () => undefined, { subscriberId: 'brief' })).close()
      expect(await exists(`${prefix}.q.subscriber.brief`)).toBe(true)
      // When queues() is polled well inside the subscriber's expiry, for longer than the expiry
      const deadline = Date.now() + 2500
      while (Date.now() < deadline) {
        expect((await other.queues()).map((q) => q.queue)).toEqual(['kept'])
        await sleep(100)
      }
      // Then the abandoned subscriber's queue expired all the same
      await eventually(async () => !(await exists(`${prefix}.q.subscriber.brief`)), 10_000, 'the expiry')
      // and the subscriber can come back under the same id on the same connection, and receives
      const got: unknown[] = []
      await transport.subscribe(['e.x'], (m) => void got.push(m.data), { subscriberId: 'brief' })
      await transport.publish('e.x', { type: 'E', data: 1 })
      await eventually(() => got.length === 1, 10_000, 'the returning subscriber’s event')
    })

    it('retries a failed message of an anonymous broadcast subscriber on its own queue only', async () => {
      const prefix = fresh()
      const transport = start(prefix)
      const flaky: number[] = []
      const steady: number[] = []
      await transport.subscribe(
        ['b.x'],
        (m) => {
          flaky.push(m.attempt)
          if (m.attempt === 1) throw new Error('once')
        },
        { retryDelayMs: 20 },
      )
      await transport.subscribe(['b.x'], (m) => void steady.push(m.attempt))
      await transport.publish('b.x', { type: 'B', data: null })
      await eventually(() => flaky.length === 2, 10_000, 'the retry')
      await sleep(100)
      expect(flaky).toEqual([1, 2])
      expect(steady).toEqual([1])
    })

    it('declares the exchanges again when the events exchange was deleted behind its back', async () => {
      const prefix = fresh()
      const transport = start(prefix)
      const got: unknown[] = []
      await transport.publish('x.y', { type: 'Unheard', data: 0 })
      const ch = await raw.createChannel()
      await ch.deleteExchange(`${prefix}.events`)
      await ch.close()
      await transport.publish('x.y', { type: 'Lost', data: 1 }).catch(() => undefined)
      await transport.subscribe(['x.y'], (m) => void got.push(m.data))
      await transport.publish('x.y', { type: 'Heard', data: 2 })
      await eventually(() => got.includes(2), 10_000, 'the event after the exchange came back')
    })

    it('parks a message whose body is not JSON and lists it with its text', async () => {
      const prefix = fresh()
      const transport = start(prefix)
      const seen: unknown[] = []
      await transport.consume('garbled', (m) => void seen.push(m), { maxAttempts: 2, retryDelayMs: 10 })
      const ch = await raw.createChannel()
      ch.sendToQueue(`${prefix}.q.garbled`, Buffer.from('not json'), { messageId: 'g-1', type: 'Garbled' })
      await ch.close()
      let letters: Awaited<ReturnType<Transport['listDeadLetters']>> = []
      await eventually(
        async () => (letters = await transport.listDeadLetters('garbled')).length === 1,
        10_000,
        'the parked message',
      )
      expect(seen).toEqual([])
      expect(letters[0]).toMatchObject({
        attempts: 2,
        message: { type: 'Garbled', data: 'not json', headers: { messageId: 'g-1' } },
      })
      expect(letters[0]!.error).toMatch(/JSON/)
    })

    it('refuses invalid options with VALIDATION before connecting', () => {
      const invalid: Partial<RabbitmqTransportOptions>[] = [
        { url: 'http://127.0.0.1:5672' },
        { url: 'not a url' },
        { prefix: 'has.dot' },
        { subscriberExpiresMs: 0 },
        { publishTimeoutMs: -1 },
      ]
      for (const options of invalid) {
        let error: unknown
        try {
          open('x', options)
        } catch (e) {
          error = e
        }
        expect(isActaError(error, 'VALIDATION'), JSON.stringify(options)).toBe(true)
      }
    })

    it('fails a send with UNAVAILABLE once publishTimeoutMs passed without a broker', async () => {
      const unreachable = start(fresh(), { url: 'amqp://guest:guest@127.0.0.1:1', publishTimeoutMs: 300 })
      const error = await expectActaError(unreachable.send('q', { type: 'T', data: null }), 'UNAVAILABLE')
      expect(error.message).toMatch(/unreachable/)
      await expectActaError(
        unreachable.consume('q', () => undefined),
        'UNAVAILABLE',
      )
    })

    it('drops a request that timed out before any responder took it', async () => {
      const prefix = fresh()
      const transport = start(prefix)
      const service = 'late'
      await expectActaError(
        transport.request(service, { type: 'Q', data: null }, { timeoutMs: 150 }),
        'TIMEOUT',
      )
      await sleep(100)
      const handled: unknown[] = []
      await start(prefix).respond(service, (m) => void handled.push(m.data))
      const reply = await transport.request(service, { type: 'Q', data: 'fresh' })
      expect(reply.type).toBe('Q.reply')
      expect(handled).toEqual(['fresh'])
    })

    it('follows the AMQP RPC convention, so plain AMQP callers and responders interoperate', async () => {
      const prefix = fresh()
      const transport = start(prefix)
      await transport.respond('acta-side', (m) => ({ echo: m.data }))
      const ch = await raw.createChannel()
      const { queue: replyTo } = await ch.assertQueue('', { exclusive: true })
      const replies: { correlationId: unknown; body: unknown }[] = []
      await ch.consume(
        replyTo,
        (m) =>
          void (
            m &&
            replies.push({
              correlationId: m.properties.correlationId,
              body: JSON.parse(m.content.toString()),
            })
          ),
        { noAck: true },
      )
      ch.sendToQueue(`${prefix}.q.rpc.acta-side`, Buffer.from('"ping"'), {
        messageId: 'plain-1',
        type: 'Ping',
        replyTo,
      })
      await eventually(() => replies.length === 1, 10_000, 'the reply to a plain client')
      expect(replies[0]).toEqual({ correlationId: 'plain-1', body: { echo: 'ping' } })

      const plain = `${prefix}.q.rpc.plain-side`
      await ch.assertQueue(plain, { durable: true, arguments: { 'x-queue-type': 'classic' } })
      await ch.consume(plain, (m) => {
        if (!m) return
        ch.sendToQueue(m.properties.replyTo as string, Buffer.from('{"pong":true}'), {
          correlationId: m.properties.messageId as string,
          type: 'Pong',
        })
        ch.ack(m)
      })
      const reply = await transport.request('plain-side', {
        type: 'Ping',
        data: null,
        headers: { correlationId: 'flow-7' },
      })
      expect(reply).toMatchObject({ type: 'Pong', data: { pong: true } })
      const answered = await transport.request('acta-side', {
        type: 'Ping',
        data: 1,
        headers: { messageId: 'req-9', correlationId: 'flow-8' },
      })
      expect(answered.headers).toMatchObject({
        correlationId: 'flow-8',
        causationId: 'req-9',
        type: 'Ping.reply',
      })
      await ch.close()
    })

    it('lists every queue’s parked messages without losing any, with ids stable across lists', async () => {
      const prefix = fresh()
      const transport = start(prefix)
      const failing = () => {
        throw new Error('always')
      }
      await transport.consume('one', failing, { maxAttempts: 1 })
      await transport.subscribe(['t.x'], failing, { group: 'g', maxAttempts: 1 })
      await transport.send('one', { type: 'A', data: 1 })
      await transport.publish('t.x', { type: 'B', data: 2 })
      let all: Awaited<ReturnType<Transport['listDeadLetters']>> = []
      await eventually(
        async () => (all = await transport.listDeadLetters()).length === 2,
        10_000,
        'two letters',
      )
      expect(all.map((l) => [l.queue, l.message.type, l.message.source]).sort()).toEqual([
        ['group.g', 'B', 't.x'],
        ['one', 'A', 'one'],
      ])
      const again = await start(prefix).listDeadLetters()
      expect(again.map((l) => l.id)).toEqual(all.map((l) => l.id))
      expect((await transport.listDeadLetters('group.g')).map((l) => l.id)).toEqual(
        all.filter((l) => l.queue === 'group.g').map((l) => l.id),
      )
    })

    it('resumes consuming and answering after the broker closed its connection', async () => {
      if (!ctl) return
      const prefix = fresh()
      const errors: string[] = []
      const transport = start(prefix, { onError: (_e, context) => void errors.push(context) })
      const got: number[] = []
      await transport.consume('resume', (m) => void got.push(m.data as number))
      await transport.respond('echo', (m) => m.data)
      await transport.send('resume', { type: 'T', data: 1 })
      await eventually(() => got.length === 1, 10_000, 'first')
      expect(await closeConnections(prefix, 'test: forced close')).toBe(1)
      await transport.send('resume', { type: 'T', data: 2 })
      await eventually(() => got.length === 2, 10_000, 'second, after the reconnect')
      expect((await transport.request('echo', { type: 'E', data: 'x' })).data).toBe('x')
      expect(transport.connected).toBe(true)
      expect(errors).toContain('connection lost; reconnecting')
    })
  })
}
