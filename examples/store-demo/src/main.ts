// A tour of the foundation: a decider behind the command pipeline, on the embedded SQLite store
// (or PostgreSQL when ACTA_DATABASE_URL=postgres://…), with a live subscription to the global log.
import { commandHandler, type EventStore } from '@acta/core'
import { postgresEventStore } from '@acta/postgres'
import { sqliteEventStore } from '@acta/sqlite'
import { bankAccount, type AccountCommand } from './bank-account.js'

function openStore(url = process.env.ACTA_DATABASE_URL ?? 'sqlite:.acta/acta.db'): {
  store: EventStore
  label: string
} {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return {
      store: postgresEventStore({ connectionString: url }),
      label: url.replace(/\/\/[^@/]*@/, '//***@'),
    }
  }
  if (url.startsWith('sqlite:'))
    return { store: sqliteEventStore({ path: url.slice('sqlite:'.length) }), label: url }
  throw new Error(`ACTA_DATABASE_URL must start with sqlite: or postgres://, got ${url}`)
}

const { store, label } = openStore()
console.log(`Acta store demo on ${label}\n`)

const head = await store.headPosition()
const live = store.subscribe({ after: head })
const printing = (async () => {
  for await (const event of live) {
    console.log(
      `  live  #${event.globalPosition}  ${event.streamId}@${event.streamVersion}  ${event.type}  ${JSON.stringify(event.data)}`,
    )
  }
})()

const handle = commandHandler({
  decider: bankAccount,
  store,
  streamId: (command: AccountCommand) => `account-${command.data.accountId}`,
  retryOnConflict: 3,
  snapshot: { every: 50 },
})

const accountId = `demo-${Date.now().toString(36)}`
const commands: AccountCommand[] = [
  { type: 'OpenAccount', data: { accountId, owner: 'Ada' } },
  { type: 'Deposit', data: { accountId, amount: 100 } },
  { type: 'Withdraw', data: { accountId, amount: 30 } },
  { type: 'Withdraw', data: { accountId, amount: 500 } },
  { type: 'OpenAccount', data: { accountId, owner: 'Ada' } },
]
for (const command of commands) {
  const result = await handle(command)
  if (result.ok) {
    console.log(
      `${command.type.padEnd(12)} ok      version ${result.version}, balance ${result.state.balance}`,
    )
  } else {
    console.log(`${command.type.padEnd(12)} refused ${result.error.code}: ${result.error.message}`)
  }
  await new Promise((resolve) => setTimeout(resolve, 50))
}

const { events, version } = await store.readStream(`account-${accountId}`)
console.log(`\nStream account-${accountId} is at version ${version} with ${events.length} events.`)
console.log(`The global log now holds events up to position ${await store.headPosition()}.`)
await live.close()
await printing
await store.close()
