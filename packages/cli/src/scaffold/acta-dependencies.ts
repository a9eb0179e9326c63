import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { cliRoot } from './templates.js'

/** Versions of the generated projects' tools: the same as this repository's own. */
export const toolVersions = {
  vitest: '^4.1.12',
  tsx: '^4.23.15',
  typescript: '~6.0.3',
  '@types/node': '^20.19.43',
  zod: '^4.6.7',
} as const

/** How a generated project depends on the `@acta/*` packages. */
export type ActaSource = { kind: 'link'; packagesDir: string } | { kind: 'version'; range: string }

/**
 * `file:` links to the package folders when the CLI runs from a source checkout (the packages are
 * not published), else the given version range, or this CLI's own version.
 *
 * @example
 * actaSource({ actaVersion: '^0.1.0' }) // { kind: 'version', range: '^0.1.0' }
 */
export function actaSource(options: { actaVersion?: string | undefined } = {}): ActaSource {
  if (options.actaVersion) return { kind: 'version', range: options.actaVersion }
  const packagesDir = resolve(cliRoot, '..')
  if (existsSync(join(packagesDir, 'core', 'package.json'))) return { kind: 'link', packagesDir }
  return { kind: 'version', range: '^0.1.0' }
}

/** The dependency spec of `@acta/<name>`. */
export function actaDependency(source: ActaSource, name: string): string {
  return source.kind === 'link' ? `file:${join(source.packagesDir, name)}` : source.range
}

/**
 * The lines of a package.json dependency block for the templates: `@acta/<name>` packages as
 * `source` says, tools at {@link toolVersions}; sorted and indented.
 *
 * @example
 * packageDependencies(acta, { acta: ['core', 'service'], tools: ['zod'] })
 * // '    "@acta/core": "file:…/core",\n    "@acta/service": "file:…/service",\n    "zod": "^4.6.7"'
 */
export function packageDependencies(
  source: ActaSource,
  names: { acta?: readonly string[]; tools?: readonly (keyof typeof toolVersions)[] },
): string {
  const entries: Record<string, string> = {}
  for (const name of names.acta ?? []) entries[`@acta/${name}`] = actaDependency(source, name)
  for (const tool of names.tools ?? []) entries[tool] = toolVersions[tool]
  return Object.keys(entries)
    .sort()
    .map((key) => `    ${JSON.stringify(key)}: ${JSON.stringify(entries[key])}`)
    .join(',\n')
}
