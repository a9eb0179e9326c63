// The `acta` program: parses arguments with commander and reports every failure as one readable
// line with a non-zero exit code (see output.ts for the codes).
import { Command, CommanderError } from 'commander'
import { registerConsumersCommands } from './commands/consumers.js'
import { registerDevCommands } from './commands/dev.js'
import { registerDlqCommands } from './commands/dlq.js'
import { registerEventCommands } from './commands/events.js'
import { registerNewCommand } from './commands/new.js'
import { registerProjectionsCommands } from './commands/projections.js'
import { registerQueuesCommands } from './commands/queues.js'
import { registerScaffoldCommands } from './commands/scaffold.js'
import { registerStreamCommands } from './commands/streams.js'
import { CliError, exitCodes, printError } from './output.js'

export function actaProgram(): Command {
  const program = new Command('acta')
    .description('Build and run event-sourced CQRS services')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
  registerNewCommand(program) // acta new
  registerScaffoldCommands(program) // acta service add|deps, acta projection add, acta process-manager add
  registerDevCommands(program) // acta dev, start, stop, restart, status
  registerEventCommands(program) // acta events tail
  registerStreamCommands(program) // acta streams show
  registerProjectionsCommands(program) // acta projections list|status|stop|start|reset|rebuild|parked
  registerConsumersCommands(program) // acta consumers list
  registerDlqCommands(program) // acta dlq list|replay
  registerQueuesCommands(program) // acta queues list
  return program
}

/** Runs the CLI with `argv` (without the node and script entries) and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = actaProgram()
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit 0; commander already printed its own usage message
      return error.exitCode === 0 ? 0 : exitCodes.usage
    }
    printError(error)
    return error instanceof CliError ? error.exitCode : exitCodes.failure
  }
}
