export interface StopOnSignalsOptions {
  /** Signals that stop. Default SIGINT and SIGTERM. */
  signals?: readonly NodeJS.Signals[]
  /** What is being stopped, for the log line: `SIGINT: stopping <what> …`. Default `everything`. */
  what?: string
  /** Default `console.log`. */
  log?: (line: string) => void
  /** Default `process.exit`. */
  exit?: (code: number) => void
  /** A repeat within this window is the same Ctrl-C delivered twice and is ignored. Default 2000 ms. */
  repeatWindowMs?: number
  /** Milliseconds clock. Default `performance.now`. */
  now?: () => number
}

/**
 * Makes a program that runs other processes (a fleet behind a gateway) stop them cleanly on
 * SIGINT / SIGTERM and exit: 0 once `stop` resolved, 1 when it failed. A terminal's Ctrl-C reaches
 * both npm and the program, and npm passes it on, so a repeat within `repeatWindowMs` is ignored;
 * a signal after that exits at once with 1. Returns the trigger, for other reasons to stop (a
 * parent's IPC channel closing).
 *
 * @example
 * const fleet = await startTodoFleet({ port: 8080 })
 * const stop = stopOnSignals(() => fleet.stop(), { what: 'the gateway and the services' })
 * process.once('disconnect', () => stop('SIGTERM'))
 */
export function stopOnSignals(
  stop: () => Promise<unknown>,
  options: StopOnSignalsOptions = {},
): (signal: NodeJS.Signals) => void {
  const log = options.log ?? ((line: string) => console.log(line))
  const exit = options.exit ?? ((code: number) => process.exit(code))
  const now = options.now ?? (() => performance.now())
  const windowMs = options.repeatWindowMs ?? 2000
  let stoppingSince: number | undefined
  const trigger = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (now() - stoppingSince < windowMs) return
      log(`${signal} again: exiting without waiting`)
      exit(1)
      return
    }
    stoppingSince = now()
    log(`${signal}: stopping ${options.what ?? 'everything'} …`)
    stop().then(
      () => exit(0),
      (error: unknown) => {
        console.error(error)
        exit(1)
      },
    )
  }
  for (const signal of options.signals ?? ['SIGINT', 'SIGTERM']) process.on(signal, trigger)
  return trigger
}
