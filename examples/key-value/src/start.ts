// `npm start`: three replicas behind the gateway on 127.0.0.1:${PORT:-8999}, on SQLite and the
// local transport unless ACTA_DATABASE_URL / ACTA_TRANSPORT_URL name PostgreSQL and RabbitMQ.
import { stopOnSignals } from '@acta/service'
import { startFleet } from './fleet.js'

const port = Number(process.env.PORT ?? 8999)
if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error('PORT must be a TCP port')
const database = process.env.ACTA_DATABASE_URL ?? 'sqlite:.acta/acta.db'
const transport = process.env.ACTA_TRANSPORT_URL ?? 'local'

console.log(`Starting 3 replicas on ${redact(database)} and ${redact(transport)} …`)
const fleet = await startFleet({ port, host: process.env.HOST || '127.0.0.1', echo: true })
console.log(`
key-value is up: ${fleet.url}/
  replicas  ${fleet.replicas.map((replica) => replica.url).join('  ')}
  try       curl -i -X PUT ${fleet.url}/values/mykey -d myvalue
            curl -i ${fleet.url}/values/mykey
            curl -i -X DELETE ${fleet.url}/values/mykey
Ctrl-C stops everything.`)

const stop = stopOnSignals(() => fleet.stop(), { what: 'the gateway and the replicas' })

// a parent process (the HTTP benchmark) learns the addresses over IPC, and the fleet stops with it
if (process.send) {
  process.send({
    type: 'fleet',
    url: fleet.url,
    pid: process.pid,
    replicas: fleet.replicas.map(({ name, url, process }) => ({ name, url, pid: process.pid })),
  })
  process.once('disconnect', () => stop('SIGTERM'))
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}
