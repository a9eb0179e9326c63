// A temporary Acta project on SQLite for the CLI's tests: acta.json, the database and transport
// files where a service would put them, and the same adapters a service would run on them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ProjectionDefinition, ReadSide } from '@acta/core'
import { createReadSide } from '@acta/core'
import { openInfrastructure, openReadStores } from '@acta/service'

export interface SqliteProject {
  readonly root: string
  readonly databaseUrl: string
  readonly transportUrl: string
  readonly infrastructure: Awaited<ReturnType<typeof openInfrastructure>>
  readonly readStores: Awaited<ReturnType<typeof openReadStores>>
  /** Appends one event to `stream`. */
  add(stream: string, type: string, data?: Record<string, unknown>): Promise<number>
  /** Runs `definition` in this process as a service would (small lease TTL: quick reactions). */
  run(definition: ProjectionDefinition): Promise<ReadSide>
  /** Runs `work` with the project root as the working directory. */
  inside<R>(work: () => Promise<R>): Promise<R>
  close(): Promise<void>
}

/**
 * Creates the project in a temporary folder.
 *
 * @example
 * const project = await sqliteProject()
 * await project.add('todo-1', 'TodoWasPosted', { text: 'x' })
 */
export async function sqliteProject(): Promise<SqliteProject> {
  const root = mkdtempSync(join(tmpdir(), 'acta-cli-'))
  writeFileSync(join(root, 'acta.json'), `${JSON.stringify({ name: 't', services: {} })}\n`)
  mkdirSync(join(root, '.acta'))
  const databaseUrl = `sqlite:${join(root, '.acta', 'acta.db')}`
  const transportUrl = `sqlite:${join(root, '.acta', 'transport.db')}`
  const infrastructure = await openInfrastructure({ databaseUrl, transportUrl })
  const readStores = await openReadStores(databaseUrl)
  const sides: ReadSide[] = []
  return {
    root,
    databaseUrl,
    transportUrl,
    infrastructure,
    readStores,
    async add(stream, type, data = {}) {
      return (await infrastructure.store.append(stream, [{ type, data }])).position
    },
    async run(definition) {
      const readSide = createReadSide({
        store: infrastructure.store,
        documents: readStores.documents,
        leases: infrastructure.leases,
        leaseTtlMs: 600,
        retryDelayMs: 5,
        attempts: 2,
      })
      sides.push(readSide)
      readSide.register(definition)
      await readSide.start()
      return readSide
    },
    async inside(work) {
      const previous = process.cwd()
      process.chdir(root)
      try {
        return await work()
      } finally {
        process.chdir(previous)
      }
    },
    async close() {
      await Promise.all(sides.map((side) => side.stop()))
      await readStores.close()
      await infrastructure.close()
      rmSync(root, { recursive: true, force: true })
    },
  }
}
