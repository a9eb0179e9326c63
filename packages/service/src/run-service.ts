import type { ServiceDefinition } from './define-service.js'
import { startService, type RunningService, type StartOptions } from './start-service.js'

export interface RunServiceOptions extends StartOptions {
  /** Signals that stop the service gracefully; a second one exits at once. Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[]
  /** Ends the process once stopped (code 0) or forced (code 1). Default `process.exit`. */
  exit?: (code: number) => void
}

/**
 * Runs a service as the process's main program: configuration from the environment, then a
 * graceful stop on SIGTERM or SIGINT (see `RunningService.stop`) and exit; a second signal exits
 * with code 1 without waiting. A service that fails to start sets exit code 1 and rethrows.
 *
 * @example
 * // service.ts — PORT=8080 ACTA_DATABASE_URL=postgres://… node service.js
 * await runService(defineService({ name: 'key-value', routes: (r) => [r.get('/', () => 'ok')] }))
 */
export async function runService<R extends object>(
  service: ServiceDefinition<R>,
  options: RunServiceOptions = {},
): Promise<RunningService<R>> {
  const { signals = ['SIGTERM', 'SIGINT'], exit = (code: number) => process.exit(code), ...start } = options
  let running: RunningService<R>
  try {
    running = await startService(service, start)
  } catch (error) {
    process.exitCode = 1
    throw error
  }
  const logger = running.context.logger
  let received: NodeJS.Signals | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      logger.warn({ signal }, 'second signal: exiting without waiting')
      exit(1)
      return
    }
    received = signal
    logger.info({ signal }, 'signal received: stopping gracefully')
    running.stop().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'graceful stop failed')
        exit(1)
      },
    )
  }
  for (const signal of signals) process.on(signal, onSignal)
  return running
}
