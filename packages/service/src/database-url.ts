import { isAbsolute, resolve } from 'node:path'
import { ValidationError } from '@acta/core'

/** What a database URL names. */
export type DatabaseTarget =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly connectionString: string; readonly schema: string | undefined }
  | { readonly kind: 'memory' }

/**
 * Reads `ACTA_DATABASE_URL`: `sqlite:<path>`, `postgres://…[?schema=name]` (the schema of Acta's
 * tables, taken out of the URL PostgreSQL sees) or `memory`; anything else is a `ValidationError`.
 *
 * @example
 * databaseTarget('postgres://u@h/db?schema=todo') // { kind: 'postgres', connectionString: 'postgres://u@h/db', schema: 'todo' }
 */
export function databaseTarget(databaseUrl: string): DatabaseTarget {
  if (databaseUrl.startsWith('sqlite:')) return { kind: 'sqlite', path: databaseUrl.slice('sqlite:'.length) }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    const url = new URL(databaseUrl)
    const schema = url.searchParams.get('schema') ?? undefined
    url.searchParams.delete('schema')
    return { kind: 'postgres', connectionString: url.toString(), schema }
  }
  if (databaseUrl === 'memory') return { kind: 'memory' }
  throw new ValidationError(
    `Unsupported database URL ${databaseUrl}: use sqlite:<path>, postgres://… or memory`,
  )
}

/**
 * The same URLs as every process of a fleet sees them, whatever its working directory: relative
 * SQLite paths resolved against `root`, and `local` (the transport's `.acta/transport.db`) made a
 * `sqlite:` URL under `root`. Server URLs and `memory` are kept as they are.
 *
 * @example
 * resolveLocalUrls({ databaseUrl: 'sqlite:.acta/acta.db', transportUrl: 'local' }, '/srv/app')
 * // { databaseUrl: 'sqlite:/srv/app/.acta/acta.db', transportUrl: 'sqlite:/srv/app/.acta/transport.db' }
 */
export function resolveLocalUrls(
  urls: { readonly databaseUrl: string; readonly transportUrl: string },
  root: string,
): { databaseUrl: string; transportUrl: string } {
  const absolute = (url: string) => {
    if (!url.startsWith('sqlite:')) return url
    const path = url.slice('sqlite:'.length)
    return isAbsolute(path) ? url : `sqlite:${resolve(root, path)}`
  }
  return {
    databaseUrl: absolute(urls.databaseUrl),
    transportUrl: absolute(urls.transportUrl === 'local' ? 'sqlite:.acta/transport.db' : urls.transportUrl),
  }
}
