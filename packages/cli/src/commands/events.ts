// acta events tail: the newest events of the log, then the live ones as they are appended.
// acta events flow: the events of one correlation, in log order.
import type { EventStore, StoredEvent } from '@acta/core'
import { maxCorrelationLimit } from '@acta/core'
import { streamCategory } from '@acta/core'
import { type Command, InvalidArgumentError, Option } from 'commander'
import pc from 'picocolors'
import { connectionOptions, withDatabase, type ConnectionFlags } from '../infrastructure.js'
import { CliError, exitCodes, printJsonLine } from '../output.js'

interface TailFlags extends ConnectionFlags {
  stream?: string
  category?: string
  type?: string[]
  from?: number
  last?: number
  json?: boolean
  follow: boolean
}

/** Registers `acta events tail`. */
export function registerEventCommands(program: Command): void {
  const events = program.command('events').description('read the event log')
  connectionOptions(
    events
      .command('tail')
      .description('print the newest events, then follow new ones until Ctrl-C')
      .option('--stream <id>', 'only this stream')
      .option('--category <category>', 'only streams of this category (the part before the first -)')
      .option('--type <type...>', 'only these event types')
      .addOption(new Option('--from <position>', 'start at this log position').argParser(position))
      .addOption(
        new Option('--last <n>', 'start with the last n matching events (default 10)')
          .argParser(count)
          .conflicts('from'),
      )
      .option('--json', 'one JSON object per line')
      .option('--no-follow', 'exit after the events already in the log'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ acta events tail                          # the last 10 events, then live ones
  $ acta events tail --category todo --last 50
  $ acta events tail --stream todo-42 --no-follow
  $ acta events tail --type TodoWasPosted --type TodoWasDone --json | jq .data
  $ acta events tail --from 1 --no-follow --json > log.jsonl`,
    )
    .action((flags: TailFlags) => tail(flags))

  connectionOptions(
    events
      .command('flow <correlationId>')
      .description("print one request's events across streams (its correlation), in log order")
      .addOption(
        new Option(
          '--limit <n>',
          `at most n events (default 1000, at most ${maxCorrelationLimit})`,
        ).argParser(flowLimit),
      )
      .option('--json', 'one JSON object per line'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ acta events flow 0195f3c2-8d1e-7c41-9a5b-2f4e6d8c0a13
  $ acta events flow "$(acta events tail --stream todo-42 --last 1 --json --no-follow | jq -r .metadata.correlationId)"

Each event names the command that recorded it, and who sent that command when a process manager
did. The dashboard draws the same flow as a graph (its Flow view).`,
    )
    .action((correlationId: string, flags: FlowFlags) => flow(correlationId, flags))
}

interface FlowFlags extends ConnectionFlags {
  limit?: number
  json?: boolean
}

function flowLimit(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 1 || n > maxCorrelationLimit)
    throw new InvalidArgumentError(`a limit is an integer from 1 to ${maxCorrelationLimit}`)
  return n
}

async function flow(correlationId: string, flags: FlowFlags): Promise<void> {
  await withDatabase(flags, async ({ store }) => {
    const events = await store.readByCorrelation(correlationId, { limit: flags.limit ?? 1000 })
    if (events.length === 0)
      throw new CliError(`No event of correlation "${correlationId}"`, {
        exitCode: exitCodes.notFound,
        hint: 'a correlation id is in the metadata of every event a command recorded (acta events tail --json)',
      })
    for (const event of events) {
      if (flags.json) {
        printJsonLine(eventJson(event))
        continue
      }
      printEventLine(event)
      const { commandType, commandSender } = event.metadata
      if (typeof commandType === 'string')
        process.stdout.write(
          pc.dim(
            `${' '.repeat(7)}by ${commandType}${typeof commandSender === 'string' ? `, sent by ${commandSender}` : ''}\n`,
          ),
        )
    }
  })
}

function position(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('a log position is an integer from 1')
  return n
}

function count(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('a count is an integer from 0')
  return n
}

async function tail(flags: TailFlags): Promise<void> {
  const types = flags.type && new Set(flags.type)
  const matches = (event: StoredEvent) =>
    (flags.stream === undefined || event.streamId === flags.stream) &&
    (flags.category === undefined || streamCategory(event.streamId) === flags.category) &&
    (types === undefined || types.has(event.type))
  const print = flags.json ? (event: StoredEvent) => printJsonLine(eventJson(event)) : printEventLine
  await withDatabase(flags, async ({ store }) => {
    const head = await store.headPosition()
    if (flags.from !== undefined) {
      for await (const event of store.readAll({ after: flags.from - 1 })) {
        if (event.globalPosition > head) break
        if (matches(event)) print(event)
      }
    } else {
      const last = flags.last ?? 10
      const backlog =
        flags.stream !== undefined
          ? await lastOfStream(store, flags.stream, last, matches)
          : await lastOfLog(store, head, last, matches)
      for (const event of backlog) print(event)
    }
    if (flags.follow) await follow(store, head, matches, print)
  })
}

/** The last `n` matching events of one stream, oldest first, read backwards page by page. */
async function lastOfStream(
  store: EventStore,
  streamId: string,
  n: number,
  matches: (event: StoredEvent) => boolean,
): Promise<StoredEvent[]> {
  const found: StoredEvent[] = []
  if (n === 0) return found
  let before: number | undefined
  for (;;) {
    const page = await store.readStream(streamId, {
      direction: 'backwards',
      limit: 500,
      ...(before !== undefined && { from: before }),
    })
    for (const event of page.events) {
      if (matches(event)) found.push(event)
      if (found.length === n) return found.reverse()
    }
    const oldest = page.events.at(-1)
    if (page.events.length < 500 || !oldest || oldest.streamVersion <= 1) return found.reverse()
    before = oldest.streamVersion - 1
  }
}

/** The last `n` matching events of the log up to `head`, scanning back in growing windows. */
async function lastOfLog(
  store: EventStore,
  head: number,
  n: number,
  matches: (event: StoredEvent) => boolean,
): Promise<StoredEvent[]> {
  if (n === 0) return []
  let found: StoredEvent[] = []
  let upTo = head
  let window = Math.max(100, n * 4)
  while (found.length < n && upTo > 0) {
    const from = Math.max(0, upTo - window)
    const slice: StoredEvent[] = []
    for await (const event of store.readAll({ after: from })) {
      if (event.globalPosition > upTo) break
      if (matches(event)) slice.push(event)
    }
    found = [...slice, ...found]
    upTo = from
    window *= 4
  }
  return found.slice(-n)
}

/** Prints matching events appended after `head` until Ctrl-C. */
async function follow(
  store: EventStore,
  head: number,
  matches: (event: StoredEvent) => boolean,
  print: (event: StoredEvent) => void,
): Promise<void> {
  const abort = new AbortController()
  const stop = () => abort.abort()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    const subscription = store.subscribe({ after: head, signal: abort.signal })
    for await (const event of subscription) if (matches(event)) print(event)
  } catch (error) {
    if (!abort.signal.aborted) {
      throw new CliError(`Following the log failed: ${(error as Error).message}`, {
        exitCode: exitCodes.failure,
        cause: error,
      })
    }
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}

/** The `--json` shape of an event (shared with `acta streams show`). */
export function eventJson(event: StoredEvent) {
  return {
    position: event.globalPosition,
    streamId: event.streamId,
    version: event.streamVersion,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    recordedAt: event.recordedAt.toISOString(),
  }
}

const palette = [pc.cyan, pc.magenta, pc.yellow, pc.green, pc.blue, pc.red]

/** A color per event type, the same in every run. */
export function typeColor(type: string): (text: string) => string {
  let hash = 0
  for (const char of type) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  return palette[hash % palette.length]!
}

/** `2024-05-01 10:11:12.345` (UTC). */
export function eventTime(date: Date): string {
  return date.toISOString().replace('T', ' ').slice(0, 23)
}

function printEventLine(event: StoredEvent): void {
  const position = String(event.globalPosition).padStart(6)
  const time = eventTime(event.recordedAt)
  const prefix = `${position} ${time} ${event.streamId} ${event.type} `
  const data = JSON.stringify(event.data) ?? ''
  const room = process.stdout.isTTY ? Math.max(1, process.stdout.columns - prefix.length) : data.length
  const compact = data.length > room ? `${data.slice(0, room - 1)}…` : data
  process.stdout.write(
    `${pc.dim(position)} ${pc.dim(time)} ${event.streamId} ${typeColor(event.type)(event.type)} ${compact}\n`,
  )
}
