import { isActaError } from '@acta/core'
import { describe, expect, it } from 'vitest'
import { defaultConfig, loadConfig } from './config.js'

describe('loadConfig', () => {
  it('defaults to embedded SQLite, the local transport and 127.0.0.1:3000', () => {
    expect(loadConfig({})).toEqual({
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
    expect(loadConfig({})).toEqual(defaultConfig)
  })

  it('reads every setting from the environment', () => {
    const config = loadConfig({
      ACTA_DATABASE_URL: 'postgres://postgres@db:5432/acta?schema=kv',
      ACTA_TRANSPORT_URL: 'amqp://guest:guest@mq:5672',
      PORT: '8080',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'debug',
      ACTA_BODY_LIMIT: '2048',
      ACTA_REQUEST_TIMEOUT_MS: '5000',
      ACTA_SHUTDOWN_DELAY_MS: '3000',
      ACTA_SHUTDOWN_TIMEOUT_MS: '20000',
    })
    expect(config).toEqual({
      databaseUrl: 'postgres://postgres@db:5432/acta?schema=kv',
      transportUrl: 'amqp://guest:guest@mq:5672',
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'debug',
      bodyLimit: 2048,
      requestTimeoutMs: 5000,
      shutdownDelayMs: 3000,
      shutdownTimeoutMs: 20_000,
    })
  })

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', ACTA_DATABASE_URL: ' ' })).toEqual(defaultConfig)
  })

  it('reports every invalid variable at once, naming what it accepts', () => {
    let thrown: unknown
    try {
      loadConfig({
        PORT: '80a',
        ACTA_DATABASE_URL: 'mysql://x',
        LOG_LEVEL: 'loud',
        ACTA_BODY_LIMIT: '0',
        ACTA_TRANSPORT_URL: 'kafka://x',
      })
    } catch (error) {
      thrown = error
    }
    expect(isActaError(thrown, 'VALIDATION')).toBe(true)
    const message = (thrown as Error).message
    expect(message).toContain('PORT must be an integer from 0 to 65535')
    expect(message).toContain('"80a"')
    expect(message).toContain('ACTA_DATABASE_URL must be sqlite:<path>, postgres://… or memory')
    expect(message).toContain('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent')
    expect(message).toContain('ACTA_BODY_LIMIT must be an integer from 1')
    expect(message).toContain('ACTA_TRANSPORT_URL must be local, sqlite:<path>, amqp://… or memory')
  })

  it('refuses a port out of range', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT must be an integer from 0 to 65535/)
  })
})
