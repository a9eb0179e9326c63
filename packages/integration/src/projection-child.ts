// A read side in a process of its own, for the crash tests: runs the "crash" projection until killed.
// Every event adds 1 to a shared total and to its stream's count: effects that double if replayed.
import { createReadSide, defineProjection } from '@acta/core'
import { openReadInfrastructure } from './read-infrastructure.js'

const infra = await openReadInfrastructure(process.env.ACTA_DATABASE_URL ?? '')
const slowEvery = Number(process.env.ACTA_CRASH_SLOW_EVERY ?? 25)

type Count = { count: number }
const readSide = createReadSide({
  store: infra.store,
  documents: infra.documents,
  leases: infra.leases,
  leaseTtlMs: 1000,
  batchSize: Number(process.env.ACTA_CRASH_BATCH ?? 200),
  onError: (failure) => process.stderr.write(`crash child: ${failure.message}\n`),
})
readSide.register(
  defineProjection({
    name: 'crash',
    version: 1,
    collections: { crash_counts: {} },
    handlers: {
      Added: async (event, context) => {
        const counts = context.collection<Count>('crash_counts')
        const total = (await counts.get('total'))?.count ?? 0
        await counts.put('total', { count: total + 1 })
        const stream = (await counts.get(event.streamId))?.count ?? 0
        await counts.put(event.streamId, { count: stream + 1 })
        // slow enough that a kill lands inside a batch, not between batches
        if (event.globalPosition % slowEvery === 0) await new Promise((resolve) => setTimeout(resolve, 2))
      },
    },
  }),
)
await readSide.start()
process.stdout.write(`ready ${process.pid}\n`)
