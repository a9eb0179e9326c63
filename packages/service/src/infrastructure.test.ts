import { describe, expect, it } from 'vitest'
import { openInfrastructure } from './infrastructure.js'

describe('openInfrastructure', () => {
  it('takes the RabbitMQ prefix from the transport URL', async () => {
    // Given a prefix RabbitMQ names cannot start with (a dot would split the first word)
    const opened = openInfrastructure({
      databaseUrl: 'memory',
      transportUrl: 'amqp://127.0.0.1:1?prefix=a.b',
    })
    // Then the transport refuses it before connecting anywhere
    const error = await opened.then(
      () => undefined,
      (reason: unknown) => reason as Error & { code?: string },
    )
    expect(error?.code).toBe('VALIDATION')
    expect(error?.message).toMatch(/^prefix/)
  })
})
