// A relay in a process of its own, for the fault tests: prints "ready <owner>" and runs until killed.
import { startOutboxRelay } from '@acta/core'
import { openInfrastructure } from '@acta/service'

const owner = process.env.ACTA_RELAY_OWNER ?? `relay-${process.pid}`
const infra = await openInfrastructure({
  databaseUrl: process.env.ACTA_DATABASE_URL ?? '',
  transportUrl: process.env.ACTA_TRANSPORT_URL ?? '',
})
startOutboxRelay({
  ...infra,
  owner,
  leaseTtlMs: Number(process.env.ACTA_RELAY_LEASE_MS ?? 1000),
  onError: (error) => process.stderr.write(`relay ${owner}: ${String(error)}\n`),
})
process.stdout.write(`ready ${owner}\n`)
