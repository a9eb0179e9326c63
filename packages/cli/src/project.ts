import { existsSync } from 'node:fs'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { RouteTable } from '@acta/gateway'
import { resolveLocalUrls } from '@acta/service'
import { z } from 'zod'
import { CliError, exitCodes } from './output.js'

/** The project file at the root of every Acta project. */
export const projectFile = 'acta.json'

const name = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,40}$/, 'lower-case letters, digits and dashes, starting with a letter')

/** Names of projects and units: lower-case letters, digits and dashes, starting with a letter. */
export const nameSchema = name

const method = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

const route = z.strictObject({
  methods: z.array(method).min(1),
  /** Gateway pattern: exact (`/api/users`), `:param` segments, or a trailing `*` wildcard. */
  path: z.string().regex(/^\/\S*$/, 'an absolute path such as /api/v1/todo/*'),
  websocket: z.boolean().optional(),
})

const unit = z.strictObject({
  /** What was scaffolded; every kind runs as a service process (a projection or process manager serves /readyz and /metrics). */
  kind: z.enum(['service', 'projection', 'process-manager']).default('service'),
  /** Folder of the unit, relative to the project root: `services/<name>`. */
  dir: z.string().min(1),
  /** Entry module, relative to `dir`. */
  entry: z.string().default('src/main.ts'),
  replicas: z.number().int().min(1).max(16).default(1),
  /** Port of the first replica; replica n listens on `port + n - 1`. */
  port: z.number().int().min(1024).max(65535),
  routes: z.array(route).default([]),
  /** Extra environment of this unit's processes. */
  env: z.record(z.string(), z.string()).default({}),
})

export const projectSchema = z.strictObject({
  $schema: z.string().optional(),
  name,
  gateway: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
    })
    .default({ host: '127.0.0.1', port: 8080 }),
  /** Environment of every unit (ACTA_DATABASE_URL, ACTA_TRANSPORT_URL, …); the shell's environment wins. */
  env: z.record(z.string(), z.string()).default({}),
  services: z.record(name, unit).default({}),
})

export type Project = z.output<typeof projectSchema>
export type ProjectUnit = Project['services'][string]
export type ProjectRoute = ProjectUnit['routes'][number]

/** A loaded project: its root folder and its parsed `acta.json`. */
export interface LoadedProject {
  readonly root: string
  readonly project: Project
}

/** The folder holding `acta.json`, searching `from` and its parents; a CliError when there is none. */
export function findProjectRoot(from: string = process.cwd()): string {
  let dir = resolve(from)
  for (;;) {
    if (existsSync(join(dir, projectFile))) return dir
    const parent = dirname(dir)
    if (parent === dir)
      throw new CliError(`No ${projectFile} in ${resolve(from)} or any parent folder`, {
        exitCode: exitCodes.usage,
        hint: 'run this inside an Acta project, or create one with `acta new <dir>`',
      })
    dir = parent
  }
}

/** Reads and validates `acta.json`; every problem is named by its place in the file. */
export async function loadProject(from?: string): Promise<LoadedProject> {
  const root = findProjectRoot(from)
  const file = join(root, projectFile)
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`, { cause: error })
  }
  const parsed = projectSchema.safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    )
    throw new CliError(`${file} is invalid:\n${problems.join('\n')}`, { exitCode: exitCodes.usage })
  }
  return { root, project: parsed.data }
}

/** Writes `acta.json` atomically (temporary file, then rename). */
export async function saveProject(root: string, project: Project): Promise<void> {
  const file = join(root, projectFile)
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, `${JSON.stringify(project, null, 2)}\n`)
  await rename(temporary, file)
}

/** Upstream URLs of a unit's replicas. */
export function unitUpstreams(unit: ProjectUnit): string[] {
  return Array.from({ length: unit.replicas }, (_, i) => `http://127.0.0.1:${unit.port + i}`)
}

/**
 * The gateway's route table: every unit with routes, its replicas as upstreams, health checked on
 * `/readyz`. Units without routes (projections, process managers) are not in it.
 */
export function projectRouteTable(project: Project): RouteTable {
  const services: Record<string, RouteTable['services'][string]> = {}
  const routes: RouteTable['routes'][number][] = []
  for (const [unitName, unit] of Object.entries(project.services)) {
    if (unit.routes.length === 0) continue
    services[unitName] = { upstreams: unitUpstreams(unit), health: { path: '/readyz', intervalMs: 1000 } }
    for (const r of unit.routes)
      routes.push({
        methods: r.methods,
        path: r.path,
        service: unitName,
        ...(r.websocket ? { websocket: true } : {}),
      })
  }
  return { services, routes }
}

/**
 * The database and transport URLs the project's processes use: the shell's environment first, then
 * `acta.json`'s `env`, then the embedded defaults; relative SQLite paths resolved against the root
 * (every unit runs with the project root as its working directory).
 */
export function projectUrls(loaded: LoadedProject, env: NodeJS.ProcessEnv = process.env) {
  const pick = (key: string, fallback: string) => env[key] || loaded.project.env[key] || fallback
  return resolveLocalUrls(
    {
      databaseUrl: pick('ACTA_DATABASE_URL', 'sqlite:.acta/acta.db'),
      transportUrl: pick('ACTA_TRANSPORT_URL', 'local'),
    },
    loaded.root,
  )
}

/** Where the CLI keeps run state: pid files, logs, the generated nginx config. */
export function runDir(root: string): string {
  return join(root, '.acta')
}
