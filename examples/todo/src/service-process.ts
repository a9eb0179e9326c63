// One service of the todo fleet as a process: TODO_SERVICE names which (see todo-services.ts), the
// rest of the environment configures it. Started by the fleet, it reports its URL over the IPC
// channel and stops when the fleet goes away.
import { reportListening } from '@acta/service'
import { isTodoServiceName, runTodoService, todoServiceNames } from './todo-services.js'

const name = process.env.TODO_SERVICE
if (!isTodoServiceName(name)) {
  console.error(`TODO_SERVICE must be one of ${todoServiceNames.join(', ')}, got ${JSON.stringify(name)}`)
  process.exit(2)
}
reportListening(await runTodoService(name))
