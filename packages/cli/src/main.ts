// Entry of the `acta` binary (bin/acta.js loads it).
import { runCli } from './program.js'

process.exitCode = await runCli(process.argv.slice(2))
