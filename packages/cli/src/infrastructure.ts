// What the operational commands open: the project's event store, read stores and transport, found
// from the flags, then acta.json and the environment, then the defaults a service uses.
import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import type { CheckpointStore, DocumentStore, EventStore, LeaseStore, Transport } from '@acta/core'
import { openInfrastructure, openReadStores } from '@acta/service'
import { type Command, Option } from 'commander'
import { CliError, exitCodes } from './output.js'
import { findProjectRoot, loadProject, projectUrls } from './project.js'

/** The `--database-url` and `--transport-url` flags every operational command takes. */
export interface ConnectionFlags {
  databaseUrl?: string
  transportUrl?: string
}

/** Adds `--database-url` and `--transport-url` to a command. */
export function connectionOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--database-url <url>',
        'event store and read models (default: acta.json, then ACTA_DATABASE_URL)',
      ),
    )
    .addOption(
      new Option('--transport-url <url>', 'message transport (default: acta.json, then ACTA_TRANSPORT_URL)'),
    )
}

/**
 * The URLs a command uses: the flags, else the project's (`projectUrls`: environment, acta.json,
 * defaults), else, outside a project, the environment and the defaults relative to the working
 * directory. SQLite paths come back absolute; `local` becomes the SQLite file it stands for.
 */
export async function connectionUrls(
  flags: ConnectionFlags,
  where: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ databaseUrl: string; transportUrl: string }> {
  const env = where.env ?? process.env
  const cwd = where.cwd ?? process.cwd()
  const root = projectRoot(cwd)
  const base = root
    ? projectUrls(await loadProject(root), env)
    : {
        databaseUrl: env.ACTA_DATABASE_URL || 'sqlite:.acta/acta.db',
        transportUrl: env.ACTA_TRANSPORT_URL || 'local',
      }
  const dir = root ?? cwd
  return {
    databaseUrl: absoluteSqlite(flags.databaseUrl ?? base.databaseUrl, dir),
    transportUrl: absoluteSqlite(flags.transportUrl ?? base.transportUrl, dir),
  }
}

function projectRoot(cwd: string): string | undefined {
  try {
    return findProjectRoot(cwd)
  } catch (error) {
    if (error instanceof CliError) return undefined
    throw error
  }
}

function absoluteSqlite(url: string, dir: string): string {
  if (url === 'local') return `sqlite:${resolve(dir, '.acta/transport.db')}`
  if (!url.startsWith('sqlite:')) return url
  const path = url.slice('sqlite:'.length)
  return isAbsolute(path) ? url : `sqlite:${resolve(dir, path)}`
}

/** A URL fit to print: its password replaced by `***`. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (!parsed.password) return url
    parsed.password = '***'
    return parsed.toString()
  } catch {
    return url
  }
}

/** The database side: events, log consumers' checkpoints, leases and the read stores (documents, projection checkpoints, builds). */
export interface Database {
  readonly url: string
  readonly store: EventStore
  readonly checkpoints: CheckpointStore
  readonly leases: LeaseStore
  readonly documents: DocumentStore
}

/**
 * Opens the database, runs `work` with it and closes it. A database that is missing or does not
 * answer is a CliError naming the URL (password masked) with a hint.
 *
 * @example
 * await withDatabase(flags, async ({ store }) => printJson(await store.headPosition()))
 */
export async function withDatabase<R>(
  flags: ConnectionFlags,
  work: (db: Database) => Promise<R>,
): Promise<R> {
  const { databaseUrl } = await connectionUrls(flags)
  assertSqliteFile(databaseUrl, 'database')
  const failed = (error: unknown) =>
    new CliError(`Cannot open the database ${maskUrl(databaseUrl)}: ${messageOf(error)}`, {
      cause: error,
      hint: 'is it running? Point at it with --database-url or ACTA_DATABASE_URL',
    })
  let infrastructure: Awaited<ReturnType<typeof openInfrastructure>>
  let readStores: Awaited<ReturnType<typeof openReadStores>>
  try {
    infrastructure = await openInfrastructure({ databaseUrl, transportUrl: 'memory' })
  } catch (error) {
    throw failed(error)
  }
  try {
    readStores = await openReadStores(databaseUrl)
  } catch (error) {
    await infrastructure.close().catch(() => undefined)
    throw failed(error)
  }
  try {
    try {
      await infrastructure.store.headPosition()
    } catch (error) {
      throw failed(error)
    }
    return await work({
      url: databaseUrl,
      store: infrastructure.store,
      checkpoints: infrastructure.checkpoints,
      leases: infrastructure.leases,
      documents: readStores.documents,
    })
  } finally {
    await readStores.close().catch(() => undefined)
    await infrastructure.close().catch(() => undefined)
  }
}

/**
 * Opens the transport, runs `work` with it and closes it; failures to connect as in `withDatabase`.
 *
 * @example
 * await withTransport(flags, async (transport) => transport.listDeadLetters())
 */
export async function withTransport<R>(
  flags: ConnectionFlags,
  work: (transport: Transport, url: string) => Promise<R>,
): Promise<R> {
  const { transportUrl } = await connectionUrls(flags)
  assertSqliteFile(transportUrl, 'transport')
  let infrastructure: Awaited<ReturnType<typeof openInfrastructure>>
  try {
    infrastructure = await openInfrastructure({ databaseUrl: 'memory', transportUrl })
    await infrastructure.transport.listDeadLetters()
  } catch (error) {
    throw new CliError(`Cannot open the transport ${maskUrl(transportUrl)}: ${messageOf(error)}`, {
      cause: error,
      hint: 'is it running? Point at it with --transport-url or ACTA_TRANSPORT_URL',
    })
  }
  try {
    return await work(infrastructure.transport, transportUrl)
  } finally {
    await infrastructure.close().catch(() => undefined)
  }
}

/** A read command must not create an empty SQLite file where the services keep none. */
function assertSqliteFile(url: string, what: 'database' | 'transport'): void {
  if (!url.startsWith('sqlite:')) return
  const path = url.slice('sqlite:'.length)
  if (existsSync(path)) return
  throw new CliError(`No ${what} at ${path}`, {
    exitCode: exitCodes.notFound,
    hint: `start the services first (acta dev), or point at the ${what} with --${what}-url`,
  })
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0])
  return error instanceof Error ? error.message || error.name : String(error)
}
