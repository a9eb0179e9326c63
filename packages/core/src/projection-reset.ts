import type { Document, DocumentStore, DocumentTransaction } from './document-store.js'
import { isActaError } from './errors.js'
import type { BuildRecord, ControlRecord, ParkedEvent } from './projection-build.js'
import { buildsCollection, controlsCollection, parkedCollection } from './projection-build.js'
import type { ProjectionContext, ProjectionDefinition } from './projection.js'
import { buildCollectionName, buildName } from './projection.js'

/**
 * Clears a build's documents (through the projection's `reset`, else by clearing its collections)
 * and parked events and rewinds its checkpoint to 0, in one transaction; the claim fences any run
 * of the build still going. `request`, the persisted reset request being carried out, is recorded
 * as done (`resetDone`) in the same transaction. Run it with the build's loops stopped.
 */
export async function resetBuild(options: {
  documents: DocumentStore
  definition: ProjectionDefinition
  build: number | undefined
  request?: number
}): Promise<void> {
  const { documents, definition, build, request } = options
  const name = definition.name
  const done = (target: Pick<DocumentTransaction, 'collection'>) =>
    request === undefined
      ? undefined
      : target.collection<ControlRecord>(controlsCollection).patch(name, { resetDone: request })
  if (build === undefined) {
    await done(documents)
    return
  }
  const checkpoint = buildName(name, build)
  for (let attempt = 1; ; attempt++) {
    const claimed = await documents.resetCheckpoint(checkpoint, 0)
    try {
      await documents.transaction(async (tx) => {
        const context: ProjectionContext = {
          collection: <T extends Document>(collection: string) =>
            tx.collection<T>(buildCollectionName(collection, build), definition.collections[collection]),
        }
        if (definition.reset) await definition.reset(context)
        else
          for (const collection of Object.keys(definition.collections))
            await context.collection(collection).clear()
        await tx.collection<BuildRecord>(buildsCollection).patch(checkpoint, { initialized: false })
        for (const parked of await tx
          .collection<ParkedEvent>(parkedCollection)
          .find({ where: { projection: name, build } })) {
          await tx.collection(parkedCollection).delete(`${checkpoint}:${parked.globalPosition}`)
        }
        await done(tx)
        await tx.saveCheckpoint(checkpoint, 0, claimed.epoch)
      })
      return
    } catch (error) {
      // fenced by a claim in between, or (SQLite) a document read here changed: run it again
      const retry = isActaError(error) && (error.code === 'CONFLICT' || error.code === 'CONCURRENCY')
      if (!retry || attempt >= 5) throw error
    }
  }
}
