import { existsSync } from 'node:fs'
import { mkdir, readdir, rename } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { CliError, exitCodes } from '../output.js'
import { nameSchema, projectSchema, saveProject, type Project } from '../project.js'
import { actaSource, packageDependencies, type ActaSource } from './acta-dependencies.js'
import { addUnit } from './add-unit.js'
import { writeTemplateTree } from './templates.js'

export interface CreateProjectOptions {
  /** The folder to create (or an empty existing one). */
  readonly dir: string
  /** Default: the folder's name. */
  readonly name?: string
  /** Gateway port. Default 8080. */
  readonly port?: number
  /** `--acta-version`: depend on published packages in this range instead of links. */
  readonly actaVersion?: string
}

/** What `acta new` wrote. */
export interface CreatedProject {
  readonly root: string
  readonly project: Project
  readonly files: readonly string[]
}

/**
 * Writes a new project: acta.json, package.json (npm workspaces over `services/*`), tsconfig, vitest
 * config, README, .gitignore, and the `hello` service (GET and POST under `/hello/`).
 *
 * @example
 * const { root } = await createProject({ dir: 'my-app', port: 8080 })
 */
export async function createProject(options: CreateProjectOptions): Promise<CreatedProject> {
  const root = resolve(options.dir)
  const name =
    options.name ??
    basename(root)
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^[^a-z]+/, '')
  if (!nameSchema.safeParse(name).success)
    throw new CliError(`"${name}" is not a valid project name`, {
      exitCode: exitCodes.usage,
      hint: 'pass --name with lower-case letters, digits and dashes, starting with a letter',
    })
  const port = options.port ?? 8080
  if (!Number.isInteger(port) || port < 1 || port > 65_000)
    throw new CliError(`--port must be an integer from 1 to 65000, got ${options.port}`, {
      exitCode: exitCodes.usage,
    })
  if (existsSync(root) && (await readdir(root)).length > 0)
    throw new CliError(`${root} exists and is not empty`, { exitCode: exitCodes.usage })
  await mkdir(root, { recursive: true })

  const acta: ActaSource = actaSource({ actaVersion: options.actaVersion })
  const project = projectSchema.parse({ name, gateway: { host: '127.0.0.1', port }, env: {}, services: {} })
  const files = await writeTemplateTree('project', root, {
    name,
    port: String(port),
    host: project.gateway.host,
    devDependencies: packageDependencies(acta, {
      acta: ['cli'],
      tools: ['@types/node', 'tsx', 'typescript', 'vitest'],
    }),
  })
  // npm would drop a file named .gitignore from a published package, so the template has another name
  await rename(join(root, 'gitignore'), join(root, '.gitignore'))
  await saveProject(root, project)
  const hello = await addUnit(
    { root, project },
    {
      kind: 'service',
      name: 'hello',
      paths: ['/hello/'],
      methods: ['GET', 'POST'],
      description: 'The hello service: records greetings and reads them back',
      acta,
    },
  )
  const written = [
    ...files.map((file) => (file === 'gitignore' ? '.gitignore' : file)),
    'acta.json',
    ...hello.files,
  ]
  if (hello.nginx) written.push(join('gateway', 'nginx.conf'))
  return { root, project: hello.project, files: written.sort() }
}
