// Helpers for the integration tests: the broker's URL, rabbitmqctl, and cleanup of a run's names.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import amqp from 'amqplib'

const exec = promisify(execFile)

export const testUrl = process.env.ACTA_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'

export async function probe(): Promise<void> {
  const connection = await amqp.connect(testUrl, { timeout: 3000 })
  await connection.close()
}

/** Runs rabbitmqctl on this machine (fault tests and cleanup need a local broker). */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await exec('rabbitmqctl', ['-q', ...args], { timeout: 60_000 })
  return stdout
}

/** rabbitmqctl works here and controls the broker under test (the test URL names this machine). */
export async function hasRabbitmqctl(): Promise<boolean> {
  const host = new URL(testUrl).hostname
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) return false
  return rabbitmqctl('ping').then(
    () => true,
    () => false,
  )
}

export interface QueueStats {
  readonly name: string
  readonly messages_ready: number
  readonly messages_unacknowledged: number
}

export async function queueStats(): Promise<QueueStats[]> {
  const out = await rabbitmqctl(
    'list_queues',
    'name',
    'messages_ready',
    'messages_unacknowledged',
    '--formatter',
    'json',
  )
  return JSON.parse(out) as QueueStats[]
}

/** Deletes every queue and exchange whose name starts with `prefix`. */
export async function sweep(prefix: string): Promise<number> {
  const queues = (await queueStats()).map((q) => q.name).filter((n) => n.startsWith(prefix))
  const exchanges = (
    JSON.parse(await rabbitmqctl('list_exchanges', 'name', '--formatter', 'json')) as { name: string }[]
  )
    .map((e) => e.name)
    .filter((n) => n.startsWith(prefix))
  const connection = await amqp.connect(testUrl)
  try {
    const ch = await connection.createChannel()
    for (const queue of queues) await ch.deleteQueue(queue)
    for (const exchange of exchanges) await ch.deleteExchange(exchange)
    await ch.close()
  } finally {
    await connection.close()
  }
  return queues.length + exchanges.length
}

/** Closes, from the broker's side, every connection whose client named itself `connectionName`. */
export async function closeConnections(connectionName: string, reason: string): Promise<number> {
  const out = await rabbitmqctl('list_connections', 'pid', 'client_properties', '--no-table-headers')
  const mine = out
    .split('\n')
    .filter((line) => line.includes(`{"connection_name",${JSON.stringify(connectionName)}}`))
    .map((line) => line.split('\t')[0]!)
  for (const pid of mine) await rabbitmqctl('close_connection', pid, reason)
  return mine.length
}

/** Stops the broker's application, runs `whileDown`, and always starts it again. */
export async function withBrokerStopped(whileDown: () => Promise<void>): Promise<void> {
  await rabbitmqctl('stop_app')
  try {
    await whileDown()
  } finally {
    await rabbitmqctl('start_app')
    await rabbitmqctl('await_startup')
  }
}
