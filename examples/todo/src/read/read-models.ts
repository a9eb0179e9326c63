import { ValidationError, createReadSide, type ProjectionDefinition, type ReadSide } from '@acta/core'
import {
  openReadStores,
  readSideMetrics,
  type QueryValues,
  type ReadStores,
  type ServiceContext,
} from '@acta/service'

/** A service's running read side over the documents of its database; `close()` on stop. */
export interface ReadModels {
  readonly readSide: ReadSide
  readonly stores: ReadStores
  close(): Promise<void>
}

/**
 * Opens the document and schedule stores of the service's database, runs `projections` on a read
 * side (lease, checkpoint and documents shared with the service's other replicas), and publishes
 * their lag on /metrics. Call it in `setup` and return the result, so it closes on stop.
 *
 * @example
 * setup: async (ctx) => ({ models: await startReadModels(ctx, () => [userList]) })
 */
export async function startReadModels(
  ctx: ServiceContext,
  projections: (stores: ReadStores) => readonly ProjectionDefinition[],
): Promise<ReadModels> {
  const stores = await openReadStores(ctx.config.databaseUrl)
  try {
    const readSide = createReadSide({
      store: ctx.store,
      documents: stores.documents,
      leases: ctx.leases,
      onError: (failure, projection) => ctx.logger.warn({ failure, projection }, 'projection failed'),
    })
    for (const projection of projections(stores)) readSide.register(projection)
    readSideMetrics(ctx.metrics, readSide)
    await readSide.start()
    return {
      readSide,
      stores,
      async close() {
        await readSide.stop()
        await stores.close()
      },
    }
  } catch (error) {
    await stores.close()
    throw error
  }
}

/** How long a read with `?after=` waits for its projection before answering with what it has. */
export const afterTimeoutMs = 5000

/**
 * Read-your-writes across services: with `?after=<position>` (the `position` of a command's 202),
 * waits until `projection` has applied that log position, at most {@link afterTimeoutMs}; then
 * the read answers with what it has. A malformed `after` is a 400.
 *
 * @example
 * await readAfter(ctx.models.readSide, 'user_list', req.query)
 */
export async function readAfter(readSide: ReadSide, projection: string, query: QueryValues): Promise<void> {
  const after = query.after
  if (after === undefined) return
  if (typeof after !== 'string' || !/^\d{1,15}$/.test(after))
    throw new ValidationError('after must be a log position: a non-negative integer', { after })
  await readSide.waitFor(projection, Number(after), afterTimeoutMs)
}
