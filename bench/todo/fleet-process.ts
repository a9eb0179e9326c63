// The todo fleet (startTodoFleet: every service in its own process, the gateway in this one) in a
// process of its own, so the gateway never shares an event loop with the load generator. Reports
// the gateway's URL and every process id over IPC; stops the fleet on SIGTERM or when the parent
// goes away.
import { startTodoFleet } from '@acta/example-todo'

const fleet = await startTodoFleet({ dashboard: false })
process.send?.({
  type: 'fleet',
  url: fleet.url,
  pid: process.pid,
  services: fleet.services.map((service) => ({ name: service.name, pid: service.process.pid ?? 0 })),
})
const stop = () => void fleet.stop().then(() => process.exit(0))
process.once('SIGTERM', stop)
process.once('disconnect', stop)
