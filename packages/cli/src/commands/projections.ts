// acta projections: status and control of the projections the services run, through what they
// persist in the database (readSideAdmin), so it works from any machine that reaches the database.
import type { ProjectionStatus, ReadSideAdmin, RunnerState } from '@acta/core'
import { isActaError, readSideAdmin } from '@acta/core'
import { type Command, InvalidArgumentError, Option } from 'commander'
import pc from 'picocolors'
import { connectionOptions, withDatabase, type ConnectionFlags } from '../infrastructure.js'
import { CliError, exitCodes, formatCount, printJson, printJsonLine, printTable } from '../output.js'
import { progressReporter } from '../progress.js'

interface JsonFlags extends ConnectionFlags {
  json?: boolean
}

interface RebuildFlags extends JsonFlags {
  wait: boolean
  grace: number
  pollMs: number
}

/** Registers `acta projections list|status|stop|start|reset|rebuild|parked`. */
export function registerProjectionsCommands(program: Command): void {
  const projections = program
    .command('projections')
    .description('show and control the projections the services run')
    .addHelpText(
      'after',
      `
Commands are requests stored in the database; the service instance that runs the projection
carries them out within a few seconds. A projection no running service holds shows as offline.`,
    )
  const sub = (name: string, description: string, examples: string) =>
    connectionOptions(projections.command(name).description(description)).addHelpText(
      'after',
      `\nExamples:\n${examples}`,
    )

  sub(
    'list',
    'Every projection with its state, position, lag and rate',
    '  $ acta projections list\n  $ acta projections list --json',
  )
    .option('--json', 'one JSON document')
    .action((flags: JsonFlags) => withAdmin(flags, async (admin) => list(await admin.status(), flags)))

  sub('status', 'One projection in detail, builds included', '  $ acta projections status todos --json')
    .argument('<name>', 'projection name')
    .option('--json', 'one JSON document')
    .action((name: string, flags: JsonFlags) =>
      withAdmin(flags, async (admin) => detail(await found(admin.get(name), name), flags)),
    )

  const control = (verb: 'stop' | 'start' | 'reset', description: string, done: string) =>
    sub(verb, description, `  $ acta projections ${verb} todos`)
      .argument('<name>', 'projection name')
      .action((name: string, flags: ConnectionFlags) =>
        withAdmin(flags, async (admin) => {
          await found(admin[verb](name), name)
          const { state } = await admin.get(name)
          process.stdout.write(`${done.replace('%s', name)}\n`)
          if (state === 'offline') warnOffline(name)
        }),
      )
  control('stop', 'Stop a projection on every instance until started again', 'Asked to stop %s.')
  control('start', 'Start a stopped projection, or resume a faulted one', 'Asked to start %s.')
  control(
    'reset',
    "Clear a projection's documents and replay the whole log into them (queries see it refill)",
    'Asked to reset %s: its documents are cleared and the log replayed.',
  )

  sub(
    'rebuild',
    'Build a fresh copy beside the active one and switch to it once caught up (blue/green)',
    '  $ acta projections rebuild todos\n  $ acta projections rebuild todos --no-wait\n  $ acta projections rebuild todos --json > progress.jsonl',
  )
    .argument('<name>', 'projection name')
    .option('--no-wait', 'request the rebuild and exit')
    .option('--json', 'JSON lines: progress, then the outcome')
    .addOption(
      new Option('--grace <seconds>', 'how long to wait for a running service to pick it up')
        .default(10)
        .argParser(seconds),
    )
    .addOption(new Option('--poll-ms <ms>').default(500).argParser(seconds).hideHelp())
    .action((name: string, flags: RebuildFlags) => withAdmin(flags, (admin) => rebuild(admin, name, flags)))

  sub('parked', 'Events a projection skipped after they kept failing', '  $ acta projections parked todos')
    .argument('<name>', 'projection name')
    .option('--json', 'one JSON document')
    .action((name: string, flags: JsonFlags) =>
      withAdmin(flags, async (admin) => {
        const parked = await found(admin.parked(name), name)
        if (flags.json) return printJson(parked)
        printTable(parked, [
          { header: 'position', value: (p) => p.globalPosition, align: 'right' },
          { header: 'stream', value: (p) => p.streamId },
          { header: 'type', value: (p) => p.type },
          { header: 'build', value: (p) => p.build, align: 'right' },
          { header: 'attempts', value: (p) => p.attempts, align: 'right' },
          { header: 'parked at', value: (p) => p.parkedAt },
          { header: 'error', value: (p) => p.error },
        ])
      }),
    )
}

function seconds(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('a non-negative number')
  return n
}

const withAdmin = <R>(flags: ConnectionFlags, work: (admin: ReadSideAdmin) => Promise<R>) =>
  withDatabase(flags, (db) => work(readSideAdmin(db)))

/** The admin's NOT_FOUND and CONFLICT as CLI errors (exit 3 and 1). */
async function found<R>(pending: Promise<R>, name: string): Promise<R> {
  try {
    return await pending
  } catch (error) {
    if (isActaError(error, 'NOT_FOUND'))
      throw new CliError(`No projection "${name}" has run on this database`, {
        exitCode: exitCodes.notFound,
        hint: '`acta projections list` shows the ones that have',
      })
    if (isActaError(error, 'CONFLICT')) throw new CliError(error.message, { cause: error })
    throw error
  }
}

function warnOffline(name: string): void {
  process.stderr.write(
    `${pc.yellow('note')}  no running service holds ${name}; it takes effect when one runs it\n`,
  )
}

const stateColors: Record<RunnerState, (text: string) => string> = {
  starting: pc.cyan,
  'catching-up': pc.cyan,
  running: pc.green,
  rebuilding: pc.cyan,
  stopped: pc.yellow,
  faulted: pc.red,
  standby: pc.dim,
  superseded: pc.dim,
  offline: pc.red,
}
const colorState = (state: RunnerState) => stateColors[state](state)
const rate = (perSecond: number) => (perSecond > 0 ? perSecond.toFixed(perSecond < 10 ? 1 : 0) : '0')
const shortOwner = (owner: string | undefined) => (owner ? owner.slice(-12) : '')

function list(statuses: ProjectionStatus[], flags: JsonFlags): void {
  if (flags.json) return printJson(statuses)
  printTable(
    statuses,
    [
      { header: 'name', value: (s) => s.name },
      { header: 'kind', value: (s) => s.kind },
      { header: 'state', value: (s) => colorState(s.state) },
      { header: 'position', value: (s) => formatCount(s.position), align: 'right' },
      { header: 'head', value: (s) => formatCount(s.headPosition), align: 'right' },
      { header: 'lag', value: (s) => formatCount(s.lagEvents), align: 'right' },
      { header: 'events/s', value: (s) => rate(s.eventsPerSecond), align: 'right' },
      { header: 'parked', value: (s) => s.parked, align: 'right' },
      { header: 'owner', value: (s) => shortOwner(s.owner) },
      { header: 'last error', value: (s) => s.lastError && truncate(s.lastError.message, 60) },
    ],
    '(no projection has run on this database)',
  )
}

function detail(status: ProjectionStatus, flags: JsonFlags): void {
  if (flags.json) return printJson(status)
  const row = (label: string, value: string) => `  ${pc.dim(label.padEnd(11))}${value}`
  const error = status.lastError
  const lines = [
    `${pc.bold(status.name)}  ${status.kind} v${status.version}  ${colorState(status.state)}`,
    row('owner', status.owner ?? pc.dim('none')),
    row('position', `${formatCount(status.position)} of ${formatCount(status.headPosition)}`),
    row(
      'lag',
      `${formatCount(status.lagEvents)} events${status.lagMs > 0 ? `, ${Math.round(status.lagMs / 1000)} s` : ''}`,
    ),
    row('rate', `${rate(status.eventsPerSecond)} events/s`),
    row('parked', String(status.parked)),
    ...(error
      ? [
          row(
            'last error',
            `${pc.red(error.message.replace(/\n/g, `\n${' '.repeat(13)}`))} ${pc.dim(
              `(attempt ${error.attempts}, ${error.at.toISOString()}${
                error.event
                  ? `, ${error.event.type} of ${error.event.streamId} at ${error.event.globalPosition}`
                  : ''
              })`,
            )}`,
          ),
        ]
      : []),
    ...(status.rebuild
      ? [
          row(
            'rebuild',
            `build ${status.rebuild.build} at ${(status.rebuild.fraction * 100).toFixed(1)}% (${formatCount(status.rebuild.position)} of ${formatCount(status.rebuild.headPosition)})`,
          ),
        ]
      : []),
    '',
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
  printTable(status.builds, [
    { header: 'build', value: (b) => b.build, align: 'right' },
    { header: 'version', value: (b) => b.version, align: 'right' },
    { header: 'state', value: (b) => (b.state === 'active' ? pc.green(b.state) : b.state) },
    { header: 'position', value: (b) => formatCount(b.position), align: 'right' },
    { header: 'caught up', value: (b) => (b.caughtUp ? 'yes' : 'no') },
    { header: 'events/s', value: (b) => rate(b.eventsPerSecond), align: 'right' },
  ])
}

async function rebuild(admin: ReadSideAdmin, name: string, flags: RebuildFlags): Promise<void> {
  const build = await found(admin.rebuild(name), name)
  if (!flags.wait) {
    if (flags.json) printJson({ projection: name, build })
    else process.stdout.write(`Asked to rebuild ${name} as build ${build}.\n`)
    if ((await admin.get(name)).state === 'offline') warnOffline(name)
    return
  }
  const reporter = progressReporter({ json: flags.json === true })
  const abort = new AbortController()
  const stop = () => abort.abort()
  process.once('SIGINT', stop)
  let outcome: Awaited<ReturnType<ReadSideAdmin['watchRebuild']>>
  try {
    outcome = await admin.watchRebuild(name, build, reporter.update, {
      signal: abort.signal,
      pollMs: flags.pollMs,
      offlineAfterMs: flags.grace * 1000,
    })
  } finally {
    process.off('SIGINT', stop)
    reporter.done()
  }
  if (outcome.ok) {
    if (flags.json) printJsonLine({ status: 'active', projection: name, build })
    else process.stdout.write(`Build ${build} of ${name} is active.\n`)
    return
  }
  if (flags.json) printJsonLine({ status: outcome.reason, projection: name, build, message: outcome.message })
  const hints: Record<typeof outcome.reason, string> = {
    offline: `run the service that registers ${name} (acta dev); it picks build ${build} up when it starts`,
    stopped: `acta projections start ${name}`,
    faulted: `see \`acta projections status ${name}\`; after a fix, \`acta projections start ${name}\` resumes it`,
    retired: `\`acta projections status ${name}\` shows its builds`,
    missing: `\`acta projections status ${name}\` shows its builds`,
    aborted: `the rebuild goes on; \`acta projections status ${name}\` shows how far it got`,
  }
  const message =
    outcome.reason === 'offline'
      ? `No running service holds projection ${name}, so build ${build} is not being built`
      : outcome.reason === 'aborted'
        ? 'Stopped watching'
        : outcome.message
  throw new CliError(message, {
    exitCode: outcome.reason === 'aborted' ? 130 : exitCodes.failure,
    hint: hints[outcome.reason],
  })
}

function truncate(text: string, max: number): string {
  const line = text.split('\n')[0] ?? ''
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}
