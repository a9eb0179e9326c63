// Child process of the cross-process tests. Prints "ready", waits for "go" on stdin, then:
// - open:   opens the store (running migrations) and exits;
// - append: appends at least ACTA_TEST_COUNT single events to ACTA_TEST_STREAMS shared streams,
//           half of them with the exact expected version, and goes on until its last event
//           follows another writer's first, so that the writers provably overlapped; prints
//           "appended N";
// - ping:   appends ACTA_TEST_COUNT events stamped with the time just before each append.
import { once } from 'node:events'
import { isConcurrencyError } from '@acta/core'
import { sqliteEventStore } from './sqlite-event-store.js'

const path = process.env.ACTA_TEST_SQLITE_PATH
if (!path) throw new Error('ACTA_TEST_SQLITE_PATH is not set')
const mode = process.env.ACTA_TEST_MODE ?? 'append'
const count = Number(process.env.ACTA_TEST_COUNT ?? 100)
const streams = Number(process.env.ACTA_TEST_STREAMS ?? 3)
const writer = process.env.ACTA_TEST_WRITER ?? String(process.pid)

process.stdout.write('ready\n')
process.stdin.setEncoding('utf8')
await once(process.stdin, 'data')
process.stdin.pause()

const synchronous = process.env.ACTA_TEST_SYNCHRONOUS === 'FULL' ? 'FULL' : 'NORMAL'
const store = sqliteEventStore({ path, synchronous })
if (mode === 'append') {
  const deadline = Date.now() + 20_000
  let last = 0
  const overlapped = async () => {
    for await (const event of store.readAll()) {
      if (event.globalPosition > last) return false
      if ((event.data as { writer: string }).writer !== writer) return true
    }
    return false
  }
  let i = 0
  for (; i < count || (!(await overlapped()) && Date.now() < deadline); i++) {
    const stream = `shared-${i % streams}`
    // every other append checks the exact version it read, retrying when the other process moved on
    for (;;) {
      const expectedVersion = i % 2 === 0 ? (await store.streamInfo(stream)).version : 'any'
      try {
        const result = await store.append(stream, [{ type: 'Appended', data: { writer, i } }], {
          expectedVersion,
        })
        last = result.position
        break
      } catch (error) {
        if (!isConcurrencyError(error)) throw error
      }
    }
  }
  process.stdout.write(`appended ${i}\n`)
} else if (mode === 'ping') {
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    await store.append('pings', [
      { type: 'Ping', data: { i, sentAt: performance.timeOrigin + performance.now() } },
    ])
  }
}
await store.close()
process.stdout.write('done\n')
