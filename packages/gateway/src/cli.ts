#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { startGateway, type GatewayLogger } from './gateway.js'
import { nginxConfig } from './nginx-config.js'
import { readRouteTable } from './route-table.js'

const usage = `Usage: acta-gateway --config routes.json [options]

Routes HTTP and WebSocket requests by method and path to service replicas.
Reloads routes.json on SIGHUP; stops gracefully on SIGINT or SIGTERM.

Options:
  -c, --config <file>          route table (JSON), required
  -p, --port <port>            port to listen on (default 8999; 0 for any free port)
      --host <address>         address to listen on (default 127.0.0.1)
      --request-timeout <ms>   504 when a replica sends no response headers in time (default 30000)
      --check                  validate the route table and exit
      --nginx                  print an nginx.conf for the route table (listening on --port) and exit
  -q, --quiet                  log only warnings and errors
  -h, --help                   show this help`

/** Runs the command line; resolves to the exit code, or never for a running gateway. */
async function main(argv: readonly string[]): Promise<number | undefined> {
  let args
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p', default: '8999' },
        host: { type: 'string', default: '127.0.0.1' },
        'request-timeout': { type: 'string' },
        check: { type: 'boolean', default: false },
        nginx: { type: 'boolean', default: false },
        quiet: { type: 'boolean', short: 'q', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`)
    return 2
  }
  if (args.help) {
    console.log(usage)
    return 0
  }
  const port = Number(args.port)
  const requestTimeoutMs = args['request-timeout'] === undefined ? undefined : Number(args['request-timeout'])
  if (args.config === undefined || !Number.isInteger(port) || !validTimeout(requestTimeoutMs)) {
    console.error(
      `${args.config === undefined ? '--config is required' : 'bad --port or --request-timeout'}\n\n${usage}`,
    )
    return 2
  }

  let table
  try {
    table = await readRouteTable(args.config)
  } catch (error) {
    console.error((error as Error).message)
    return 1
  }
  if (args.check) {
    console.log(
      `${args.config}: ${table.routes.length} routes, ${Object.keys(table.services).length} services`,
    )
    return 0
  }
  if (args.nginx) {
    process.stdout.write(nginxConfig(table, { listen: port, requestTimeoutMs }))
    return 0
  }

  const gateway = await startGateway({
    configFile: args.config,
    port,
    host: args.host,
    requestTimeoutMs,
    logger: stderrLogger(args.quiet),
  })
  console.log(`acta-gateway listening on ${gateway.url}`)
  const stop = () => {
    gateway.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return undefined
}

function validTimeout(ms: number | undefined): boolean {
  return ms === undefined || (Number.isInteger(ms) && ms > 0)
}

function stderrLogger(quiet: boolean): GatewayLogger {
  const line = (level: string) => (message: string, details?: Record<string, unknown>) =>
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, message, ...details })}\n`,
    )
  return { info: quiet ? () => {} : line('info'), warn: line('warn'), error: line('error') }
}

const code = await main(process.argv.slice(2))
if (code !== undefined) process.exitCode = code
