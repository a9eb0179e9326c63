import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The CLI package's folder (holding bin/, src/ or dist/, templates/). */
export const cliRoot = fileURLToPath(new URL('../../', import.meta.url))

/** Where the template trees are: `project`, `service`, `projection`, `process-manager`. */
export const templatesDir = join(cliRoot, 'templates')

/** Values of a template's `{{placeholders}}`. */
export type TemplateValues = Readonly<Record<string, string>>

/**
 * Fills `{{name}}` placeholders; a placeholder without a value is a bug in the CLI, so it throws
 * rather than writing it into a user's project.
 *
 * @example
 * renderTemplate('hello {{name}}', { name: 'todo' }) // 'hello todo'
 */
export function renderTemplate(text: string, values: TemplateValues): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key]
    if (value === undefined) throw new Error(`The template has no value for {{${key}}}`)
    return value
  })
}

/**
 * Writes every file of a template tree into `target`: `.tmpl` is dropped from the names, names are
 * rendered too (`src/decider.ts.tmpl` may become another name through `renames`), and an existing
 * file is never overwritten. Returns the written paths, relative to `target`.
 */
export async function writeTemplateTree(
  tree: string,
  target: string,
  values: TemplateValues,
  renames: Readonly<Record<string, string>> = {},
): Promise<string[]> {
  const root = join(templatesDir, tree)
  const written: string[] = []
  for (const file of await listFiles(root)) {
    const plain = relative(root, file).replace(/\.tmpl$/, '')
    const name = renderTemplate(renames[plain] ?? plain, values)
    const destination = join(target, name)
    if (existsSync(destination)) throw new Error(`${destination} exists already`)
    await mkdir(dirname(destination), { recursive: true })
    await writeFile(destination, renderTemplate(await readFile(file, 'utf8'), values))
    written.push(name)
  }
  return written.sort()
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? listFiles(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]),
    ),
  )
  return nested.flat()
}
