import type { Collection, Document } from './document-store.js'
import { ActaError, NotFoundError } from './errors.js'
import type { Event } from './messages.js'
import { uuidv7 } from './ids.js'
import type { BuildRecord, ParkedEvent } from './projection-build.js'
import { buildsCollection, parkedCollection } from './projection-build.js'
import type { ProjectionDefinition } from './projection.js'
import { buildCollectionName, buildName } from './projection.js'
import { projectionRunner, type ProjectionRunner } from './projection-runner.js'
import { updateControl } from './read-side-admin.js'
import type { ProjectionStatus, ReadSide, ReadSideOptions, RunnerKind } from './read-side-types.js'

/** Runs projections over a document store; see `ReadSide`. */
export function createReadSide(options: ReadSideOptions): ReadSide {
  const { documents } = options
  const owner = options.owner ?? uuidv7()
  const runners = new Map<string, ProjectionRunner>()
  const activeBuilds = new Map<string, { build: number; at: number }>()
  let started = false

  const runnerOf = (name: string): ProjectionRunner => {
    const runner = runners.get(name)
    if (!runner) throw new NotFoundError(`No projection "${name}" is registered`, { projection: name })
    return runner
  }

  async function resolveBuild(projection: string): Promise<number> {
    const cached = activeBuilds.get(projection)
    if (cached && Date.now() - cached.at < 1000) return cached.build
    const build = (await documents.activeBuild(projection)) ?? runners.get(projection)?.activeBuild() ?? 1
    activeBuilds.set(projection, { build, at: Date.now() })
    return build
  }

  const readSide: ReadSide = {
    register<E extends Event>(definition: ProjectionDefinition<E>, registration: { kind?: RunnerKind } = {}) {
      if (runners.has(definition.name)) {
        throw new ActaError('CONFLICT', `Projection "${definition.name}" is already registered`)
      }
      const collections = new Set(Object.keys(definition.collections))
      for (const other of runners.values()) {
        for (const name of Object.keys(other.definition.collections)) {
          if (collections.has(name)) {
            throw new ActaError(
              'CONFLICT',
              `Collection "${name}" belongs to projection "${other.definition.name}" already`,
            )
          }
        }
      }
      const runner = projectionRunner({
        ...options,
        owner,
        definition: definition,
        kind: registration.kind ?? definition.kind ?? 'projection',
        onSwitch: (build) => activeBuilds.set(definition.name, { build, at: Date.now() }),
      })
      runners.set(definition.name, runner)
      if (started) runner.start()
    },
    async start() {
      started = true
      for (const runner of runners.values()) runner.start()
      await Promise.all([...runners.values()].map((runner) => runner.ready()))
    },
    async stop() {
      started = false
      await Promise.all([...runners.values()].map((runner) => runner.stop()))
    },
    async status(): Promise<ProjectionStatus[]> {
      const head = await options.store.headPosition()
      return Promise.all([...runners.values()].map((runner) => runner.status(head)))
    },
    collection<T extends Document = Document>(projection: string, collection: string): Collection<T> {
      const runner = runnerOf(projection)
      const declared = runner.definition.collections[collection]
      if (!declared) {
        throw new NotFoundError(`Projection "${projection}" has no collection "${collection}"`)
      }
      const resolve = async () =>
        documents.collection<T>(buildCollectionName(collection, await resolveBuild(projection)), declared)
      return {
        name: collection,
        get: async (id) => (await resolve()).get(id),
        put: async (id, document) => (await resolve()).put(id, document),
        patch: async (id, changes) => (await resolve()).patch(id, changes),
        delete: async (id) => (await resolve()).delete(id),
        find: async (findOptions) => (await resolve()).find(findOptions),
        count: async (where) => (await resolve()).count(where),
        clear: async () => (await resolve()).clear(),
      }
    },
    async waitFor(projection, position, timeoutMs = 5000) {
      const runner = runnerOf(projection)
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const build = await resolveBuild(projection)
        const local = runner.localPosition(build)
        const applied = local ?? (await documents.loadCheckpoint(buildName(projection, build)))?.position ?? 0
        if (applied >= position) return true
        const left = deadline - Date.now()
        if (left <= 0) return false
        await runner.waitForCommit(Math.min(left, local === undefined ? 50 : 1000))
      }
    },
    async stopProjection(name) {
      runnerOf(name)
      await updateControl(documents, name, () => ({ stopped: true }))
      await runnerOf(name).refresh()
    },
    async startProjection(name) {
      runnerOf(name)
      await updateControl(documents, name, (current) => ({ stopped: false, resume: current.resume + 1 }))
      await runnerOf(name).refresh()
    },
    async reset(name) {
      await runnerOf(name).reset()
    },
    async rebuild(name) {
      return runnerOf(name).rebuild()
    },
    async drop(name, build) {
      const runner = runnerOf(name)
      const id = buildName(name, build)
      const record = await documents.collection<BuildRecord>(buildsCollection).get(id)
      if (!record) throw new NotFoundError(`Projection "${name}" has no build ${build}`)
      if (record.state !== 'retired') {
        throw new ActaError(
          'CONFLICT',
          `Build ${build} of "${name}" is ${record.state}; only a retired build can be dropped`,
        )
      }
      for (const collection of Object.keys(runner.definition.collections)) {
        await documents.dropCollection(buildCollectionName(collection, build))
      }
      await documents.deleteCheckpoint(id)
      await documents.collection(buildsCollection).delete(id)
    },
    async parked(name) {
      runnerOf(name)
      return documents.collection<ParkedEvent>(parkedCollection).find({
        where: { projection: name },
        orderBy: [{ field: 'globalPosition' }],
      })
    },
  }
  return readSide
}
