// acta queues: the transport's durable queues with what waits in them, their consumers and what is
// parked, like the dashboard's Queues section shows them.
import type { QueueStatus } from '@acta/core'
import type { Command } from 'commander'
import pc from 'picocolors'
import { connectionOptions, withTransport, type ConnectionFlags } from '../infrastructure.js'
import { formatCount, printJson, printTable } from '../output.js'

interface ListFlags extends ConnectionFlags {
  json?: boolean
}

/** Registers `acta queues list`. */
export function registerQueuesCommands(program: Command): void {
  const queues = program
    .command('queues')
    .description('show the message bus: command queues, groups, named subscribers, request queues')
    .addHelpText(
      'after',
      `
"waiting" counts the messages no consumer holds yet; "parked", the ones consumers gave up on
(acta dlq list shows and replays them). A queue where messages wait and no consumer is attached
is marked: nothing takes them until a consumer starts.`,
    )
  connectionOptions(
    queues
      .command('list')
      .description('every durable queue with what waits, its consumers and what is parked'),
  )
    .option('--json', 'one JSON document, as GET /_acta/api/queues answers')
    .addHelpText(
      'after',
      "\nExamples:\n  $ acta queues list\n  $ acta queues list --json | jq '.queues[] | select(.ready > 0)'",
    )
    .action((flags: ListFlags) =>
      withTransport(flags, async (transport) => list(await transport.queues(), flags)),
    )
}

function list(queues: readonly QueueStatus[], flags: ListFlags): void {
  if (flags.json) return printJson({ queues })
  printTable(
    queues,
    [
      { header: 'queue', value: (q) => q.queue },
      { header: 'waiting', value: (q) => formatCount(q.ready), align: 'right' },
      {
        header: 'consumers',
        value: (q) =>
          q.consumers === 0 && q.ready > 0 ? pc.red('0 (none to take them)') : formatCount(q.consumers),
        align: 'right',
      },
      {
        header: 'parked',
        value: (q) => (q.parked > 0 ? pc.red(formatCount(q.parked)) : '0'),
        align: 'right',
      },
    ],
    '(the transport has no durable queue yet)',
  )
}
