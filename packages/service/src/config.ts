import { ValidationError } from '@acta/core'

/** Log levels pino knows, plus `silent`. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

/** The runtime's settings, read from the environment by {@link loadConfig}. */
export interface ServiceConfig {
  /** `ACTA_DATABASE_URL`: `sqlite:<path>`, `postgres://…[?schema=name]` or `memory`. */
  readonly databaseUrl: string
  /** `ACTA_TRANSPORT_URL`: `local`, `sqlite:<path>`, `amqp://…` or `memory`. */
  readonly transportUrl: string
  /** `PORT`; 0 picks a free port. */
  readonly port: number
  /** `HOST`. */
  readonly host: string
  /** `LOG_LEVEL`. */
  readonly logLevel: LogLevel
  /** `ACTA_BODY_LIMIT`: largest request body in bytes (413 above it). */
  readonly bodyLimit: number
  /** `ACTA_REQUEST_TIMEOUT_MS`: longest a handler may take (503), and a client may take to send a request (408). */
  readonly requestTimeoutMs: number
  /** `ACTA_SHUTDOWN_DELAY_MS`: how long `/readyz` answers 503 before the listener closes, so balancers notice. */
  readonly shutdownDelayMs: number
  /** `ACTA_SHUTDOWN_TIMEOUT_MS`: how long in-flight requests and messages may take to finish on stop. */
  readonly shutdownTimeoutMs: number
}

/** The configuration with nothing set: embedded SQLite, the local transport, 127.0.0.1:3000. */
export const defaultConfig: ServiceConfig = Object.freeze({
  databaseUrl: 'sqlite:.acta/acta.db',
  transportUrl: 'local',
  port: 3000,
  host: '127.0.0.1',
  logLevel: 'info',
  bodyLimit: 1_048_576,
  requestTimeoutMs: 30_000,
  shutdownDelayMs: 0,
  shutdownTimeoutMs: 10_000,
})

const logLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
const databaseUrl = /^(sqlite:.+|postgres(ql)?:\/\/.+|memory)$/
const transportUrl = /^(local|memory|sqlite:.+|amqps?:\/\/.+)$/

/**
 * Reads and validates the runtime's settings from the environment (12-factor). Every problem is
 * reported at once in one VALIDATION error, naming the variable and what it accepts.
 *
 * @example
 * const config = loadConfig(process.env) // PORT=8080 ACTA_DATABASE_URL=postgres://… node service.js
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): ServiceConfig {
  const problems: string[] = []
  const text = (name: string, fallback: string, pattern: RegExp | undefined, accepts: string): string => {
    const value = env[name]?.trim()
    if (value === undefined || value === '') return fallback
    if (pattern && !pattern.test(value)) problems.push(`${name} must be ${accepts}, got "${value}"`)
    return value
  }
  const integer = (name: string, fallback: number, min: number, max: number, unit: string): number => {
    const value = env[name]?.trim()
    if (value === undefined || value === '') return fallback
    const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN
    if (!(Number.isSafeInteger(parsed) && parsed >= min && parsed <= max)) {
      problems.push(`${name} must be an integer from ${min} to ${max} (${unit}), got "${value}"`)
      return fallback
    }
    return parsed
  }
  const config: ServiceConfig = {
    databaseUrl: text(
      'ACTA_DATABASE_URL',
      defaultConfig.databaseUrl,
      databaseUrl,
      'sqlite:<path>, postgres://… or memory',
    ),
    transportUrl: text(
      'ACTA_TRANSPORT_URL',
      defaultConfig.transportUrl,
      transportUrl,
      'local, sqlite:<path>, amqp://… or memory',
    ),
    port: integer('PORT', defaultConfig.port, 0, 65_535, 'a TCP port, 0 for any free one'),
    host: text('HOST', defaultConfig.host, /^[^\s/]+$/, 'a host name or IP address'),
    logLevel: text(
      'LOG_LEVEL',
      defaultConfig.logLevel,
      new RegExp(`^(${logLevels.join('|')})$`),
      `one of ${logLevels.join(', ')}`,
    ) as LogLevel,
    bodyLimit: integer('ACTA_BODY_LIMIT', defaultConfig.bodyLimit, 1, 2 ** 31 - 1, 'bytes'),
    requestTimeoutMs: integer(
      'ACTA_REQUEST_TIMEOUT_MS',
      defaultConfig.requestTimeoutMs,
      1,
      3_600_000,
      'milliseconds',
    ),
    shutdownDelayMs: integer(
      'ACTA_SHUTDOWN_DELAY_MS',
      defaultConfig.shutdownDelayMs,
      0,
      600_000,
      'milliseconds',
    ),
    shutdownTimeoutMs: integer(
      'ACTA_SHUTDOWN_TIMEOUT_MS',
      defaultConfig.shutdownTimeoutMs,
      1,
      600_000,
      'milliseconds',
    ),
  }
  if (problems.length > 0)
    throw new ValidationError(`Invalid configuration: ${problems.join('; ')}`, { problems })
  return Object.freeze(config)
}
