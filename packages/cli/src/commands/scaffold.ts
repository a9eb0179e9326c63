import { relative } from 'node:path'
import { Option, type Command } from 'commander'
import pc from 'picocolors'
import { CliError, exitCodes, printJson, printTable } from '../output.js'
import { loadProject, type LoadedProject } from '../project.js'
import { addUnit, type AddedUnit, type UnitKind } from '../scaffold/add-unit.js'
import { runNpm } from '../scaffold/npm.js'
import { readState, runningSupervisor } from '../supervisor/run-files.js'

interface AddOptions {
  path?: string[]
  method?: string[]
  replicas?: number
  port?: number
  reload: boolean
}

const collect = (value: string, previous: string[] = []) => [...previous, value]

/** Registers `acta service add|deps|list`, `acta projection add` and `acta process-manager add`. */
export function registerScaffoldCommands(program: Command): void {
  const service = program
    .command('service')
    .description("add a service, run npm in a service's folder, list the units")
    .enablePositionalOptions()
  unitOptions(
    service
      .command('add')
      .description(
        'scaffold services/<name>, add it and its gateway routes to acta.json, reload a running project',
      )
      .argument('<name>', 'lower-case letters, digits and dashes')
      .requiredOption(
        '--path <path>',
        'route path; a trailing / routes the prefix (/api/v1/todo/ -> /api/v1/todo and /api/v1/todo/*); repeatable',
        collect,
      )
      .option('--method <method>', 'HTTP method of the routes, repeatable (default GET)', collect),
  ).action((name: string, options: AddOptions) => add('service', name, options))

  service
    .command('deps')
    .description(
      "run npm with the given arguments in a unit's folder (acta service deps todo-write install zod)",
    )
    .argument('<name>', 'the unit')
    .argument('[npm-args...]', 'passed to npm as they are, options included')
    .allowUnknownOption()
    .passThroughOptions()
    .helpOption(false)
    .action(async (name: string, npmArgs: string[]) => {
      const loaded = await loadProject()
      const unit = loaded.project.services[name]
      if (!unit)
        throw new CliError(`No unit "${name}" in acta.json`, {
          exitCode: exitCodes.notFound,
          hint: `known: ${Object.keys(loaded.project.services).join(', ') || '(none)'}`,
        })
      const args = npmArgs[0] === '--' ? npmArgs.slice(1) : npmArgs
      if (args.length === 0)
        throw new CliError('Which npm command?', {
          exitCode: exitCodes.usage,
          hint: `acta service deps ${name} install zod`,
        })
      const code = await runNpm(args, `${loaded.root}/${unit.dir}`)
      if (code !== 0) throw new CliError(`npm exited with code ${code}`, { exitCode: code, quiet: true })
    })

  service
    .command('list')
    .description('the units of acta.json with their ports and routes')
    .option('--json', 'print them as JSON')
    .action(async (options: { json?: boolean }) => {
      const { project } = await loadProject()
      const units = Object.entries(project.services).map(([name, unit]) => ({ name, ...unit }))
      if (options.json) return printJson(units)
      printTable(units, [
        { header: 'NAME', value: (u) => u.name },
        { header: 'KIND', value: (u) => u.kind },
        { header: 'PORTS', value: (u) => (u.replicas > 1 ? `${u.port}-${u.port + u.replicas - 1}` : u.port) },
        {
          header: 'ROUTES',
          value: (u) => u.routes.map((r) => `${r.methods.join(',')} ${r.path}`).join('  '),
        },
      ])
    })

  for (const kind of ['projection', 'process-manager'] as const)
    unitOptions(
      program
        .command(kind)
        .description(`add a ${kind.replace('-', ' ')}`)
        .command('add')
        .description(
          `scaffold services/<name> running a ${kind.replace('-', ' ')}, add it to acta.json, reload a running project`,
        )
        .argument('<name>', 'lower-case letters, digits and dashes, at most 30'),
    ).action((name: string, options: AddOptions) => add(kind, name, options))
}

function unitOptions(command: Command): Command {
  return command
    .addOption(new Option('--replicas <n>', 'replica processes (default 1)').argParser(integer('--replicas')))
    .addOption(
      new Option('--port <port>', "the first replica's port (default: the next free block)").argParser(
        integer('--port'),
      ),
    )
    .option('--no-reload', 'do not tell a running supervisor')
}

async function add(kind: UnitKind, name: string, options: AddOptions): Promise<void> {
  const loaded: LoadedProject = await loadProject()
  const added = await addUnit(loaded, {
    kind,
    name,
    ...(options.path ? { paths: options.path } : {}),
    ...(options.method ? { methods: options.method } : {}),
    ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
  })
  report(loaded.root, added)
  if (options.reload) await reloadRunning(loaded.root, added.name)
}

function report(root: string, added: AddedUnit): void {
  const { unit } = added
  const ports =
    unit.replicas > 1 ? `ports ${unit.port}-${unit.port + unit.replicas - 1}` : `port ${unit.port}`
  process.stdout.write(`${pc.green('added')} ${unit.kind} ${pc.bold(added.name)} (${ports})\n`)
  for (const file of added.files) process.stdout.write(`  ${pc.dim(file)}\n`)
  for (const route of unit.routes) process.stdout.write(`  route ${route.methods.join(',')} ${route.path}\n`)
  if (added.nginx) process.stdout.write(`  ${pc.dim(`${relative(root, added.nginx)} regenerated`)}\n`)
}

/** SIGHUP to a running supervisor, then waits until it has reloaded (it starts the unit first). */
async function reloadRunning(root: string, name: string, timeoutMs = 120_000): Promise<void> {
  const pid = await runningSupervisor(root)
  if (pid === undefined) {
    process.stdout.write(`${pc.dim('not running; acta dev or acta start runs it')}\n`)
    return
  }
  const before = (await readState(root))?.reloads ?? 0
  process.kill(pid, 'SIGHUP')
  process.stdout.write(`reloading the running project (pid ${pid}): starting ${name}…\n`)
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const state = await readState(root)
    if (state && state.pid === pid && state.reloads > before) {
      if (state.lastReload?.ok === false) throw new CliError(`The reload failed: ${state.lastReload.error}`)
      const replicas = state.units[name]?.replicas ?? []
      if (replicas.length > 0 && replicas.every((r) => r.state === 'ready'))
        process.stdout.write(
          `${pc.green('running')} ${name}${state.gateway.url ? ` behind ${state.gateway.url}` : ''}\n`,
        )
      else
        throw new CliError(`${name} was added but is not ready`, {
          hint: 'its output is in the supervisor log (acta dev) or .acta/logs/; acta status shows it',
        })
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new CliError(`The running project did not reload within ${timeoutMs / 1000} s`, {
    hint: 'acta status',
  })
}

function integer(option: string) {
  return (value: string) => {
    const parsed = Number(value)
    if (!Number.isInteger(parsed))
      throw new CliError(`${option} must be an integer, got "${value}"`, { exitCode: exitCodes.usage })
    return parsed
  }
}
