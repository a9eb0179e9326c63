// acta streams show: one stream's state and its events, data and metadata included.
import { type Command, InvalidArgumentError, Option } from 'commander'
import pc from 'picocolors'
import { connectionOptions, withDatabase, type ConnectionFlags } from '../infrastructure.js'
import { CliError, exitCodes, printJson } from '../output.js'
import { eventJson, eventTime, typeColor } from './events.js'

interface ShowFlags extends ConnectionFlags {
  json?: boolean
  from?: number
  limit?: number
}

/** Registers `acta streams show`. */
export function registerStreamCommands(program: Command): void {
  const streams = program.command('streams').description('inspect event streams')
  connectionOptions(
    streams
      .command('show')
      .description("Show a stream's version and its events with their data and metadata")
      .argument('<id>', 'stream id, e.g. todo-42')
      .option('--json', 'one JSON document')
      .addOption(new Option('--from <version>', 'first stream version to show').argParser(positive))
      .addOption(new Option('--limit <n>', 'show at most n events').argParser(positive)),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ acta streams show todo-42
  $ acta streams show todo-42 --from 10 --limit 5
  $ acta streams show todo-42 --json | jq '.events[].type'

Exits with 3 when the stream has never had an event.`,
    )
    .action((id: string, flags: ShowFlags) => show(id, flags))
}

function positive(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('an integer from 1')
  return n
}

async function show(id: string, flags: ShowFlags): Promise<void> {
  await withDatabase(flags, async ({ store }) => {
    const info = await store.streamInfo(id)
    if (info.version === 0) {
      throw new CliError(`No stream "${id}"`, {
        exitCode: exitCodes.notFound,
        hint: 'stream ids are case-sensitive; `acta events tail` lists recent ones',
      })
    }
    const { events } = await store.readStream(id, {
      ...(flags.from !== undefined && { from: flags.from }),
      ...(flags.limit !== undefined && { limit: flags.limit }),
    })
    if (flags.json) {
      printJson({
        streamId: info.streamId,
        version: info.version,
        exists: info.exists,
        deleted: info.deleted,
        truncateBefore: info.truncateBefore ?? null,
        metadata: info.metadata,
        events: events.map(eventJson),
      })
      return
    }
    const state = info.deleted ? pc.red('deleted') : info.exists ? pc.green('exists') : pc.yellow('empty')
    const lines = [
      `${pc.bold(info.streamId)}  version ${info.version}  ${state}`,
      ...(info.truncateBefore !== undefined
        ? [pc.dim(`events before version ${info.truncateBefore} are truncated`)]
        : []),
      ...(Object.keys(info.metadata).length > 0 ? [`${pc.dim('metadata')} ${pretty(info.metadata)}`] : []),
      '',
    ]
    for (const event of events) {
      lines.push(
        `${pc.bold(`#${event.streamVersion}`)} ${typeColor(event.type)(event.type)}  ${pc.dim(
          `position ${event.globalPosition}  ${eventTime(event.recordedAt)}  ${event.eventId}`,
        )}`,
        indent(pretty(event.data)),
        indent(pc.dim(`metadata ${pretty(event.metadata)}`)),
        '',
      )
    }
    if (events.length === 0) lines.push(pc.dim('(no events in this range)'))
    process.stdout.write(`${lines.join('\n').trimEnd()}\n`)
  })
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'undefined'
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')
}
