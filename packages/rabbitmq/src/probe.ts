import amqp from 'amqplib'

/**
 * Resolves once a connection to the broker opens (and closes it again); rejects with the driver's
 * error otherwise. For readiness checks and for gating integration tests.
 *
 * @example
 * const rabbit = await serviceGate('RabbitMQ', () => probeRabbitmq(url))
 */
export async function probeRabbitmq(url: string, timeoutMs = 3000): Promise<void> {
  const connection = await amqp.connect(url, { timeout: timeoutMs })
  await connection.close()
}
