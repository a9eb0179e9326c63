// A consumer in a child process for the kill -9 test: it reports each delivery on stdout and
// never finishes handling it, so the message stays unacked until the process dies.
import { rabbitmqTransport } from './index.js'

const { ACTA_TEST_AMQP_URL: url, ACTA_TEST_PREFIX: prefix, ACTA_TEST_QUEUE: queue } = process.env
if (!url || !prefix || !queue)
  throw new Error('ACTA_TEST_AMQP_URL, ACTA_TEST_PREFIX and ACTA_TEST_QUEUE must be set')

const transport = rabbitmqTransport({ url, prefix, connectionName: `${prefix}-child` })
await transport.consume(
  queue,
  (message) => {
    process.stdout.write(`handling ${message.headers.messageId}\n`)
    return new Promise<void>(() => undefined)
  },
  { concurrency: 1 },
)
process.stdout.write('ready\n')
