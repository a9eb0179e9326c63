// Child process of the crash test: appends whole batches forever until it is killed.
import type { EventStore } from '@acta/core'

const fixture = process.env.ACTA_STORE_FIXTURE
if (!fixture) throw new Error('ACTA_STORE_FIXTURE is not set')
const size = Number(process.env.ACTA_CRASH_BATCH ?? 5)
const fixtureModule = (await import(fixture)) as {
  openStore: (env: NodeJS.ProcessEnv) => Promise<EventStore>
}
const store = await fixtureModule.openStore(process.env)
for (let batch = 0; ; batch++) {
  const events = Array.from({ length: size }, (_, index) => ({ type: 'CrashBatch', data: { batch, index } }))
  await store.append(`crash-${batch % 7}`, events)
  process.stdout.write(`batch ${batch}\n`)
}
