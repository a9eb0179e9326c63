import { relative } from 'node:path'
import type { Command } from 'commander'
import pc from 'picocolors'
import { CliError, exitCodes, formatDuration } from '../output.js'
import { createProject } from '../scaffold/create-project.js'
import { runNpm } from '../scaffold/npm.js'

interface NewOptions {
  name?: string
  port?: string
  install: boolean
  actaVersion?: string
}

/** The install `acta new` runs: from the cache when it can, without the audit and funding notes. */
export const installArgs = ['install', '--prefer-offline', '--no-audit', '--no-fund'] as const

/** Registers `acta new <dir>`. */
export function registerNewCommand(program: Command): void {
  program
    .command('new')
    .description('create a project: acta.json, npm workspaces, a hello service with tests; then npm install')
    .argument('<dir>', 'folder to create (or an empty one)')
    .option('--name <name>', "the project's name (default: the folder's)")
    .option('--port <port>', "the gateway's port; units get the ports above it", '8080')
    .option('--no-install', 'skip npm install')
    .option(
      '--acta-version <range>',
      'depend on published @acta packages in this range instead of linking this checkout',
    )
    .action(async (dir: string, options: NewOptions) => {
      const port = Number(options.port)
      if (!Number.isInteger(port) || port < 1 || port > 65_000)
        throw new CliError(`--port must be an integer from 1 to 65000, got "${options.port}"`, {
          exitCode: exitCodes.usage,
        })
      const created = await createProject({
        dir,
        port,
        ...(options.name ? { name: options.name } : {}),
        ...(options.actaVersion ? { actaVersion: options.actaVersion } : {}),
      })
      const shown = relative(process.cwd(), created.root) || '.'
      process.stdout.write(`${pc.green('created')} ${created.project.name} in ${shown}\n`)
      for (const file of created.files) process.stdout.write(`  ${pc.dim(file)}\n`)
      if (options.install) {
        process.stdout.write(`\n${pc.bold('installing dependencies')} (npm ${installArgs.join(' ')})\n`)
        const began = Date.now()
        const code = await runNpm(installArgs, created.root)
        if (code !== 0)
          throw new CliError(`npm install failed with exit code ${code}`, {
            hint: `fix the cause, then run npm install in ${shown}`,
          })
        process.stdout.write(`${pc.green('installed')} in ${formatDuration(Date.now() - began)}\n`)
      }
      process.stdout.write(
        `\nnext:\n  cd ${shown}\n${options.install ? '' : '  npm install\n'}  npm test\n  npm run dev            # http://${created.project.gateway.host}:${port}/hello\n` +
          `  npx acta service add todo-write --path /api/v1/todo/ --method POST\n`,
      )
    })
}
