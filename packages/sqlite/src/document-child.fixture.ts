// Child process of the document store's cross-process test. Prints "ready", waits for "go" on
// stdin, then runs ACTA_TEST_COUNT transactions that each read a shared counter, wait a moment
// (so the transaction spans turns of the event loop) and write it back incremented, together with
// one document of its own. A transaction refused with CONCURRENCY (the other process moved the
// counter meanwhile) runs again. Prints "conflicts <n>" and "done".
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { isActaError } from '@acta/core'
import { sqliteDocumentStore } from './sqlite-document-store.js'

const path = process.env.ACTA_TEST_SQLITE_PATH
if (!path) throw new Error('ACTA_TEST_SQLITE_PATH is not set')
const count = Number(process.env.ACTA_TEST_COUNT ?? 50)
const writer = process.env.ACTA_TEST_WRITER ?? String(process.pid)

const documents = sqliteDocumentStore({ path, busyTimeoutMs: 20_000 })
process.stdout.write('ready\n')
process.stdin.setEncoding('utf8')
await once(process.stdin, 'data')
process.stdin.pause()

let conflicts = 0
for (let i = 0; i < count; i++) {
  for (;;) {
    try {
      await documents.transaction(async (tx) => {
        const counters = tx.collection<{ value: number }>('counters')
        const value = (await counters.get('shared'))?.value ?? 0
        await sleep(i % 3)
        await counters.put('shared', { value: value + 1 })
        await tx.collection('writes').put(`${writer}-${i}`, { writer, i })
      })
      break
    } catch (error) {
      if (!isActaError(error, 'CONCURRENCY')) throw error
      conflicts++
    }
  }
}
await documents.close()
process.stdout.write(`conflicts ${conflicts}\ndone\n`)
