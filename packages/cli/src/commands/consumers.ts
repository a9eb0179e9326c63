// acta consumers: the checkpointed readers of the log that are not projections (outbox relays,
// s.log subscriptions), from the checkpoints and leases in the database, like the admin API shows them.
import { consumerStatus, type ConsumerStatus } from '@acta/core'
import { consumerJson } from '@acta/dashboard'
import type { Command } from 'commander'
import pc from 'picocolors'
import { connectionOptions, withDatabase, type ConnectionFlags } from '../infrastructure.js'
import { formatCount, formatDuration, printJson, printTable } from '../output.js'

interface JsonFlags extends ConnectionFlags {
  json?: boolean
}

/** Registers `acta consumers list`. */
export function registerConsumersCommands(program: Command): void {
  const consumers = program
    .command('consumers')
    .description('show the log consumers that are not projections (outbox relays, log subscriptions)')
    .addHelpText(
      'after',
      `
A consumer is anything that saves its position in the log as a checkpoint; its holder is the
instance holding the lease of the same name (the relay holds one, a log subscription does not).
Projections and process managers: acta projections list.`,
    )
  connectionOptions(
    consumers.command('list').description('Every consumer with its position, lag, last save and holder'),
  )
    .addHelpText('after', '\nExamples:\n  $ acta consumers list\n  $ acta consumers list --json')
    .option('--json', 'one JSON document, as GET /_acta/api/consumers answers')
    .action((flags: JsonFlags) => withDatabase(flags, async (db) => list(await consumerStatus(db), flags)))
}

const shortOwner = (owner: string) => owner.slice(-12)

function holder(consumer: ConsumerStatus): string {
  if (!consumer.holder) return pc.dim('none')
  const owner = shortOwner(consumer.holder.owner)
  return consumer.holder.alive ? pc.green(owner) : pc.red(`${owner} (expired)`)
}

function list(statuses: ConsumerStatus[], flags: JsonFlags): void {
  if (flags.json) return printJson({ consumers: statuses.map(consumerJson) })
  printTable(
    statuses,
    [
      { header: 'name', value: (c) => c.name },
      { header: 'kind', value: (c) => c.kind },
      { header: 'position', value: (c) => formatCount(c.position), align: 'right' },
      { header: 'head', value: (c) => formatCount(c.headPosition), align: 'right' },
      { header: 'lag', value: (c) => formatCount(c.lagEvents), align: 'right' },
      { header: 'last save', value: (c) => `${formatDuration(c.idleMs)} ago` },
      { header: 'holder', value: holder },
    ],
    '(no consumer has saved a checkpoint on this database)',
  )
}
