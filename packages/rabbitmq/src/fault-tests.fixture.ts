// Fault tests against the real broker, registered by the one test file: a broker restart in the
// middle of a run, a consumer killed with SIGKILL mid-message, a poison message parked and replayed.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { uuidv7, type IncomingMessage, type Transport } from '@acta/core'
import { eventually, sleep } from '@acta/testing'
import { afterEach, expect, it } from 'vitest'
import { queueStats, testUrl, withBrokerStopped } from './broker.fixture.js'
import type { RabbitmqTransport, RabbitmqTransportOptions } from './index.js'

export interface FaultTestContext {
  fresh: () => string
  open: (prefix: string, options?: Partial<RabbitmqTransportOptions>) => RabbitmqTransport
}

const childScript = fileURLToPath(new URL('./consumer-child.fixture.ts', import.meta.url))

/** Ready and unacked counts of one queue, from the broker itself. */
const depth = async (queue: string): Promise<{ ready: number; unacked: number } | undefined> => {
  const stats = (await queueStats()).find((q) => q.name === queue)
  return stats && { ready: stats.messages_ready, unacked: stats.messages_unacknowledged }
}

export function faultTests({ fresh, open }: FaultTestContext): void {
  const opened: Transport[] = []
  const children: ChildProcess[] = []
  const start = (prefix: string, options?: Partial<RabbitmqTransportOptions>): RabbitmqTransport => {
    const transport = open(prefix, options)
    opened.push(transport)
    return transport
  }
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
    await Promise.all(opened.splice(0).map((t) => t.close()))
  })

  it('handles every one of 10,000 messages exactly once (deduplicated) across a broker restart', async () => {
    const prefix = fresh()
    const queue = 'restart'
    const lost: string[] = []
    const options = {
      publishTimeoutMs: 60_000,
      maxReconnectDelayMs: 500,
      onError: (_error: unknown, context: string) => void lost.push(context),
    }
    const producer = start(prefix, options)
    const consumer = start(prefix, options)
    const total = 10_000
    const effects = new Set<string>()
    const values = new Set<number>()
    let deliveries = 0
    await consumer.consume(
      queue,
      async (m) => {
        deliveries++
        if (effects.has(m.headers.messageId)) return // the inbox: an effect happens once per messageId
        effects.add(m.headers.messageId)
        values.add((m.data as { i: number }).i)
        if (deliveries % 50 === 0) await sleep(1)
      },
      { concurrency: 50 },
    )
    let next = 0
    let confirmed = 0
    const worker = async (): Promise<void> => {
      while (next < total) {
        const i = next++
        await producer.send(queue, { type: 'Counted', data: { i } })
        confirmed++
      }
    }
    const sending = Promise.all(Array.from({ length: 64 }, worker))
    await eventually(() => confirmed >= 3000, 60_000, '3,000 confirmed sends')
    const handledBeforeRestart = effects.size
    expect(confirmed).toBeLessThan(total)
    await withBrokerStopped(() => sleep(1000))
    await sending
    await eventually(() => effects.size === total, 60_000, 'every message handled')
    expect(handledBeforeRestart).toBeLessThan(total)
    expect(values.size).toBe(total)
    expect(deliveries).toBeGreaterThanOrEqual(total)
    await eventually(
      async () => {
        const d = await depth(`${prefix}.q.${queue}`)
        return d?.ready === 0 && d.unacked === 0
      },
      20_000,
      'an empty queue with nothing unacked',
    )
    expect(producer.connected && consumer.connected).toBe(true)
    // both connections were really cut and re-established
    expect(lost.filter((c) => c === 'connection lost; reconnecting').length).toBeGreaterThanOrEqual(2)
    console.info(`restart run: ${total} effects, ${deliveries} deliveries`)
  }, 120_000)

  it('redelivers the message a SIGKILLed consumer was handling to another consumer', async () => {
    const prefix = fresh()
    const queue = 'killed'
    const child = spawn(process.execPath, ['--conditions=@acta/source', '--import', 'tsx', childScript], {
      env: { ...process.env, ACTA_TEST_AMQP_URL: testUrl, ACTA_TEST_PREFIX: prefix, ACTA_TEST_QUEUE: queue },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    children.push(child)
    const lines: string[] = []
    createInterface({ input: child.stdout }).on('line', (line) => lines.push(line))
    await eventually(() => lines.includes('ready'), 30_000, 'the child consumer')
    const transport = start(prefix)
    const messageId = uuidv7()
    await transport.send(queue, { type: 'Job', data: { n: 1 }, headers: { messageId } })
    await eventually(() => lines.includes(`handling ${messageId}`), 10_000, 'the child to take the message')
    const handled: IncomingMessage[] = []
    await transport.consume(queue, (m) => void handled.push(m))
    await sleep(200)
    expect(handled).toEqual([]) // the child holds it, unacked
    child.kill('SIGKILL')
    await eventually(() => handled.length === 1, 15_000, 'the redelivery')
    expect(handled[0]!.headers.messageId).toBe(messageId)
    expect(handled[0]!.data).toEqual({ n: 1 })
    await sleep(100)
    expect(handled).toHaveLength(1)
  }, 60_000)

  it('parks a poison message after N tries, lists it without losing it, and replays it once', async () => {
    const prefix = fresh()
    const queue = 'poison'
    const transport = start(prefix)
    const tries: number[] = []
    let healed = false
    await transport.consume(
      queue,
      (m) => {
        tries.push(m.attempt)
        if (!healed) throw new Error('poisoned')
      },
      { maxAttempts: 4, retryDelayMs: 20 },
    )
    await transport.send(queue, { type: 'Poison', data: { n: 7 } })
    await eventually(async () => (await transport.listDeadLetters(queue)).length === 1, 15_000, 'parked')
    expect(tries).toEqual([1, 2, 3, 4])
    const parkedQueue = `${prefix}.parked.${queue}`
    const [letter] = await transport.listDeadLetters(queue)
    expect(letter).toMatchObject({ queue, attempts: 4, error: 'poisoned', message: { data: { n: 7 } } })
    const elsewhere = start(prefix)
    expect((await elsewhere.listDeadLetters()).map((l) => l.id)).toEqual([letter!.id])
    expect(await depth(parkedQueue)).toEqual({ ready: 1, unacked: 0 })
    healed = true
    const replays = await Promise.all([
      transport.replayDeadLetters([letter!.id]),
      elsewhere.replayDeadLetters([letter!.id]),
    ])
    expect(replays.sort()).toEqual([0, 1])
    await eventually(() => tries.length === 5, 10_000, 'the replayed message')
    expect(tries.at(-1)).toBe(1)
    expect(await depth(parkedQueue)).toEqual({ ready: 0, unacked: 0 })
    expect(await transport.listDeadLetters()).toEqual([])
    await sleep(200)
    expect(tries).toHaveLength(5)
  }, 60_000)
}
