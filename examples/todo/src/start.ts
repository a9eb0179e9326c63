// `npm run start:todo`: every todo service behind the gateway on 127.0.0.1:${PORT:-8080}, on SQLite
// and the local transport under .acta/ of the working directory (examples/todo when started by npm),
// unless ACTA_DATABASE_URL / ACTA_TRANSPORT_URL name PostgreSQL and RabbitMQ.
import { stopOnSignals } from '@acta/service'
import { startTodoFleet } from './fleet.js'

const env = process.env
const port = Number(env.PORT ?? 8080)
if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error('PORT must be a TCP port')
const embedded = !env.ACTA_DATABASE_URL && !env.ACTA_TRANSPORT_URL
const mail = env.TODO_SMTP_URL ? 'SMTP (TODO_SMTP_URL)' : `files in ${env.TODO_MAIL_DIR || '.acta/mail'}`

console.log(
  `Starting the todo services on ${embedded ? 'SQLite and the local transport in .acta/' : 'ACTA_DATABASE_URL and ACTA_TRANSPORT_URL'} …`,
)
const fleet = await startTodoFleet({ port, host: env.HOST || '127.0.0.1', echo: true })
const api = `${fleet.url}/api`
console.log(`
todo is up: ${api}
  services  ${fleet.services.map((service) => `${service.name} ${service.url}`).join('\n            ')}
  mail      ${mail}
  dashboard ${fleet.dashboardUrl ?? 'off'}
  try       curl -i -X POST ${api}/commands/register-user -H 'content-type: application/json' \\
              -d '{"user_id":"u-1","name":"Ada","email":"ada@example.com"}'
            curl -i -X POST ${api}/commands/post-todo -H 'content-type: application/json' \\
              -d '{"assignee_id":"u-1","todo_id":"t-1","text":"Write the docs"}'
            curl -i ${api}/users/u-1/todos
Ctrl-C stops everything.`)

const stop = stopOnSignals(() => fleet.stop(), { what: 'the gateway and the services' })
// a parent process learns the address over IPC, and the fleet stops with it
if (process.send) {
  process.send({ type: 'fleet', url: fleet.url, pid: process.pid })
  process.once('disconnect', () => stop('SIGTERM'))
}
