// Child process of the transport's cross-process tests; the transport file is ACTA_TEST_TRANSPORT_PATH.
// Prints "ready" once its consumers are attached, then by ACTA_TEST_MODE:
// - echo:    consumes `to-child` and sends each message's data and headers back on `to-parent`;
//            answers every `parent.*` event by publishing `child.<type>`; responds as `child-calc`;
// - hang:    consumes `work`, prints "handling <i>" and never finishes (the test SIGKILLs it), and
//            keeps an anonymous broadcast subscription on `hang.#` for the reaper to find;
// - compete: consumes `shared` and, told "stop" on stdin, prints "handled <json ids>";
// - ping:    waits for "go", then publishes ACTA_TEST_COUNT `pings.Ping` events stamped with their time.
// The other modes stop on "stop" too, and print "done" once closed.
import { createInterface } from 'node:readline'
import type { IncomingMessage } from '@acta/core'
import { sqliteTransport } from './sqlite-transport.js'

const path = process.env.ACTA_TEST_TRANSPORT_PATH
if (!path) throw new Error('ACTA_TEST_TRANSPORT_PATH is not set')
const mode = process.env.ACTA_TEST_MODE ?? 'echo'
const count = Number(process.env.ACTA_TEST_COUNT ?? 100)
const visibilityTimeoutMs = Number(process.env.ACTA_TEST_VISIBILITY_MS ?? 10_000)

const transport = sqliteTransport({ path, visibilityTimeoutMs })
const lines = createInterface({ input: process.stdin })
const input = lines[Symbol.asyncIterator]()
// the parent closing our stdin (or dying) means stop
const nextLine = async (): Promise<string> => ((await input.next()).value as string | undefined) ?? 'stop'
const handled: string[] = []

if (mode === 'echo') {
  await transport.consume('to-child', async (m: IncomingMessage) => {
    await transport.send('to-parent', { type: 'Echo', data: { data: m.data, headers: m.headers } })
  })
  await transport.subscribe(['parent.*'], async (m) => {
    await transport.publish(`child.${m.type}`, { type: m.type, data: m.data })
  })
  await transport.respond('child-calc', (m) => {
    const { a, b } = m.data as { a: number; b: number }
    return { sum: a + b, pid: process.pid }
  })
} else if (mode === 'hang') {
  await transport.subscribe(['hang.#'], () => undefined)
  await transport.consume('work', (m) => {
    process.stdout.write(`handling ${(m.data as { i: number }).i}\n`)
    return new Promise<void>(() => undefined)
  })
} else if (mode === 'compete') {
  await transport.consume(
    'shared',
    async (m) => {
      handled.push(m.headers.messageId)
      if (handled.length % 4 === 0) await new Promise((resolve) => setImmediate(resolve))
    },
    { concurrency: 8 },
  )
}
process.stdout.write('ready\n')

if (mode === 'ping') {
  await nextLine()
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5))
    await transport.publish('pings.Ping', {
      type: 'Ping',
      data: { i, sentAt: performance.timeOrigin + performance.now() },
    })
  }
} else {
  while ((await nextLine()) !== 'stop');
}
await transport.close()
if (mode === 'compete') process.stdout.write(`handled ${JSON.stringify(handled)}\n`)
process.stdout.write('done\n')
lines.close()
