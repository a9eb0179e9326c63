// acta dlq: the messages consumers gave up on (the transport's dead letters), and their replay.
import type { DeadLetter, Transport } from '@acta/core'
import type { Command } from 'commander'
import pc from 'picocolors'
import { connectionOptions, withTransport, type ConnectionFlags } from '../infrastructure.js'
import { CliError, exitCodes, printJson, printTable } from '../output.js'

interface ListFlags extends ConnectionFlags {
  queue?: string
  json?: boolean
}

interface ReplayFlags extends ListFlags {
  id?: string[]
  all?: boolean
}

/** Registers `acta dlq list|replay`. */
export function registerDlqCommands(program: Command): void {
  const dlq = program
    .command('dlq')
    .description('dead letters: messages a consumer gave up on after its retries')
  connectionOptions(
    dlq
      .command('list')
      .description('list dead letters, oldest first')
      .option('--queue <queue>', 'only this queue or subscription group')
      .option('--json', 'one JSON document, messages included'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ acta dlq list
  $ acta dlq list --queue todo-write --json | jq '.[].error'`,
    )
    .action((flags: ListFlags) =>
      withTransport(flags, async (transport) => {
        const letters = await transport.listDeadLetters(flags.queue)
        if (flags.json) return printJson(letters.map(letterJson))
        printTable(
          letters,
          [
            { header: 'id', value: (l) => l.id },
            { header: 'queue', value: (l) => l.queue },
            { header: 'type', value: (l) => l.message.type },
            { header: 'attempts', value: (l) => l.attempts, align: 'right' },
            { header: 'failed at', value: (l) => l.failedAt.toISOString() },
            { header: 'error', value: (l) => firstLine(l.error, 60) },
          ],
          flags.queue ? `(no dead letters in ${flags.queue})` : '(no dead letters)',
        )
      }),
    )

  connectionOptions(
    dlq
      .command('replay')
      .description('put dead letters back on their queue with a fresh attempt count')
      .option('--queue <queue>', 'only dead letters of this queue or subscription group')
      .option('--id <id...>', 'the dead letters to replay (ids from `acta dlq list`)')
      .option('--all', 'replay every dead letter (of --queue, when given)')
      .option('--json', 'one JSON document'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ acta dlq replay --id 0190f0a1-…          # one message, once its cause is fixed
  $ acta dlq replay --queue todo-write --all
Without --id or --all it only lists what --all would replay.`,
    )
    .action((flags: ReplayFlags) => withTransport(flags, (transport) => replay(transport, flags)))
}

async function replay(transport: Transport, flags: ReplayFlags): Promise<void> {
  if (flags.id && flags.all) {
    throw new CliError('Give either --id or --all, not both', { exitCode: exitCodes.usage })
  }
  const letters = await transport.listDeadLetters(flags.queue)
  if (!flags.id && !flags.all) {
    const listed = letters.map((l) => `  ${l.id}  ${l.queue}  ${l.message.type}`).join('\n')
    throw new CliError(
      letters.length === 0
        ? `Nothing to replay${flags.queue ? ` in ${flags.queue}` : ''}, and no --id or --all given`
        : `Say which dead letters to replay: --id <id>… or --all. --all would replay ${letters.length}:\n${listed}`,
      { exitCode: exitCodes.usage, hint: 'acta dlq replay --all, or acta dlq replay --id <id>' },
    )
  }
  let ids: string[]
  if (flags.id) {
    const known = new Set(letters.map((l) => l.id))
    const unknown = flags.id.filter((id) => !known.has(id))
    if (unknown.length > 0) {
      throw new CliError(`No dead letter ${unknown.join(', ')}${flags.queue ? ` in ${flags.queue}` : ''}`, {
        exitCode: exitCodes.notFound,
        hint: '`acta dlq list` shows the ids',
      })
    }
    ids = [...new Set(flags.id)]
  } else ids = letters.map((l) => l.id)
  const replayed = ids.length === 0 ? 0 : await transport.replayDeadLetters(ids)
  if (flags.json) return printJson({ replayed, ids })
  process.stdout.write(
    replayed === 0
      ? `${pc.dim('Nothing to replay.')}\n`
      : `Replayed ${replayed} dead letter${replayed === 1 ? '' : 's'}.\n`,
  )
}

function letterJson(letter: DeadLetter) {
  return { ...letter, failedAt: letter.failedAt.toISOString() }
}

function firstLine(text: string, max: number): string {
  const line = text.split('\n')[0] ?? ''
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}
