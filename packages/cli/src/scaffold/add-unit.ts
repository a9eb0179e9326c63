import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CliError, exitCodes } from '../output.js'
import {
  nameSchema,
  saveProject,
  type LoadedProject,
  type Project,
  type ProjectRoute,
  type ProjectUnit,
} from '../project.js'
import { actaSource, packageDependencies, type ActaSource } from './acta-dependencies.js'
import { writeNginxConfig } from './nginx.js'
import { nextFreePort, portConflicts } from './port-blocks.js'
import { expandRoutePath, routeCollisions } from './route-paths.js'
import { entityNames, httpTestsSource, routesSource, serviceRoutes } from './service-source.js'
import { writeTemplateTree } from './templates.js'

export type UnitKind = ProjectUnit['kind']

/** What `acta service add`, `acta projection add` and `acta process-manager add` ask for. */
export interface AddUnitOptions {
  readonly kind: UnitKind
  readonly name: string
  /** `--path`: only services; a trailing `/` routes the prefix (see `expandRoutePath`). */
  readonly paths?: readonly string[]
  /** `--method`s of every path; default GET. */
  readonly methods?: readonly string[]
  readonly replicas?: number
  /** First replica's port; default the next free block. */
  readonly port?: number
  readonly description?: string
  /** How the unit's package.json depends on `@acta/*`; default from where the CLI runs. */
  readonly acta?: ActaSource
}

/** What was added. */
export interface AddedUnit {
  readonly name: string
  readonly unit: ProjectUnit
  readonly project: Project
  /** Files written, relative to the project root. */
  readonly files: readonly string[]
  readonly nginx: string | undefined
}

const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
const usage = (message: string, hint?: string) =>
  new CliError(message, { exitCode: exitCodes.usage, ...(hint ? { hint } : {}) })

/** Checks the options against the project; every refusal names what is wrong. */
export function planUnit(project: Project, options: AddUnitOptions): { name: string; unit: ProjectUnit } {
  const { kind, name } = options
  if (!nameSchema.safeParse(name).success)
    throw usage(
      `"${name}" is not a valid unit name: use lower-case letters, digits and dashes, starting with a letter (at most 41)`,
    )
  if (project.services[name]) throw usage(`A unit named "${name}" exists already in acta.json`)
  if (kind !== 'service' && name.length > 30)
    throw usage(`A ${kind} name is at most 30 characters (it names its collections): "${name}"`)
  const paths = options.paths ?? []
  if (kind === 'service' && paths.length === 0)
    throw usage(
      'A service needs at least one --path',
      'acta service add todo-write --path /api/v1/todo/ --method POST',
    )
  if (kind !== 'service' && paths.length > 0) throw usage(`A ${kind} has no gateway routes: drop --path`)
  for (const path of paths)
    if (!/^\/\S*$/.test(path)) throw usage(`The path "${path}" must start with / and contain no spaces`)
  const wanted = [
    ...new Set((options.methods?.length ? options.methods : ['GET']).map((m) => m.toUpperCase())),
  ]
  for (const method of wanted)
    if (!methods.has(method)) throw usage(`Unknown method "${method}": use ${[...methods].join(', ')}`)
  const routes: ProjectRoute[] = paths.flatMap((path) =>
    expandRoutePath(path).map((pattern) => ({ methods: wanted as ProjectRoute['methods'], path: pattern })),
  )
  const collisions = routeCollisions(project, routes)
  if (collisions.length > 0)
    throw usage(
      `The route${collisions.length > 1 ? 's' : ''} ${collisions
        .map((c) => `${c.method} ${c.path} (of ${c.unit})`)
        .join(', ')} exist${collisions.length > 1 ? '' : 's'} already`,
      'pick another path or method',
    )
  const replicas = options.replicas ?? 1
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 16)
    throw usage(`--replicas must be an integer from 1 to 16, got ${replicas}`)
  let port = options.port
  if (port === undefined) port = nextFreePort(project, replicas)
  else {
    if (!Number.isInteger(port) || port < 1024 || port + replicas - 1 > 65_535)
      throw usage(`--port must be an integer from 1024 to ${65_536 - replicas}, got ${port}`)
    const conflicts = portConflicts(project, port, replicas)
    if (conflicts.length > 0)
      throw usage(`Ports ${port}-${port + replicas - 1} are taken by ${conflicts.join(', ')}`)
  }
  const unit: ProjectUnit = {
    kind,
    dir: `services/${name}`,
    entry: 'src/main.ts',
    replicas,
    port,
    routes,
    env: {},
  }
  return { name, unit }
}

/**
 * Scaffolds a unit into `services/<name>` of a loaded project, adds it to `acta.json` and
 * regenerates `gateway/nginx.conf`. Nothing is written when a check fails.
 *
 * @example
 * await addUnit(await loadProject(), { kind: 'service', name: 'todo-write', paths: ['/api/v1/todo/'], methods: ['POST'] })
 */
export async function addUnit(loaded: LoadedProject, options: AddUnitOptions): Promise<AddedUnit> {
  const { root, project } = loaded
  const { name, unit } = planUnit(project, options)
  const dir = join(root, unit.dir)
  if (existsSync(dir)) throw usage(`${unit.dir} exists already; remove it or pick another name`)
  const files = await writeUnitFiles(root, project.name, name, unit, options)
  const next: Project = { ...project, services: { ...project.services, [name]: unit } }
  await saveProject(root, next)
  const nginx = await writeNginxConfig(root, next)
  return { name, unit, project: next, files: files.map((file) => join(unit.dir, file)), nginx }
}

async function writeUnitFiles(
  root: string,
  projectName: string,
  name: string,
  unit: ProjectUnit,
  options: AddUnitOptions,
): Promise<string[]> {
  const acta = options.acta ?? (await projectActaSource(root))
  const names = entityNames(unit.routes, name)
  const kindName = unit.kind === 'process-manager' ? 'process manager' : unit.kind
  const description =
    options.description ??
    (unit.kind === 'service'
      ? `The ${name} service: ${unit.routes.map((r) => `${r.methods.join('|')} ${r.path}`).join(', ')}`
      : `The ${name} ${kindName}`)
  const routes = serviceRoutes(unit.routes)
  const values = {
    ...names,
    name,
    project: projectName,
    description: description.replaceAll('"', "'"),
    dependencies: packageDependencies(acta, {
      acta: ['core', 'service'],
      tools: unit.kind === 'service' ? ['zod'] : [],
    }),
    devDependencies: packageDependencies(acta, { acta: ['testing'] }),
    routes: routesSource(routes, names, name),
    tests: httpTestsSource(routes, names),
  }
  const renames: Record<string, string> =
    unit.kind === 'service'
      ? {
          'src/decider.ts': 'src/{{entityKebab}}-decider.ts',
          'src/decider.test.ts': 'src/{{entityKebab}}-decider.test.ts',
        }
      : unit.kind === 'projection'
        ? {
            'src/projection.ts': 'src/{{entityKebab}}-projection.ts',
            'src/projection.test.ts': 'src/{{entityKebab}}-projection.test.ts',
          }
        : {
            'src/process.ts': 'src/{{entityKebab}}-process.ts',
            'src/process.test.ts': 'src/{{entityKebab}}-process.test.ts',
          }
  return writeTemplateTree(unit.kind, join(root, unit.dir), values, renames)
}

/** The `@acta/core` spec an existing unit of the project uses, so new units link the same way. */
async function projectActaSource(root: string): Promise<ActaSource> {
  try {
    const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      devDependencies?: Record<string, string>
    }
    const cli = manifest.devDependencies?.['@acta/cli']
    if (cli?.startsWith('file:')) return { kind: 'link', packagesDir: join(cli.slice('file:'.length), '..') }
    if (cli) return { kind: 'version', range: cli }
  } catch {
    // no readable package.json: fall back to where this CLI runs from
  }
  return actaSource()
}
