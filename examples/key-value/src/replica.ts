// One replica as a process, configured from the environment (see README). Started by the fleet,
// it reports its URL over the IPC channel and stops when the fleet goes away.
import { reportListening } from '@acta/service'
import { runKeyValue } from './key-value-service.js'

const env = process.env
const positive = (name: string): number | undefined => {
  const value = env[name]
  if (value === undefined || value === '') return undefined
  if (!/^\d+$/.test(value) || Number(value) === 0) throw new Error(`${name} must be a positive integer`)
  return Number(value)
}

const running = await runKeyValue({
  namespace: env.KV_NAMESPACE || undefined,
  replica: env.KV_REPLICA || undefined,
  waitTimeoutMs: positive('KV_WAIT_TIMEOUT_MS'),
  commandConcurrency: positive('KV_COMMAND_CONCURRENCY'),
  // a key-value store holds small values: 64 KiB unless ACTA_BODY_LIMIT says otherwise
  config: env.ACTA_BODY_LIMIT ? {} : { bodyLimit: 65_536 },
})

reportListening(running)
