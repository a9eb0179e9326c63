import { runService, type RunningService } from '@acta/service'
import { mailerOptions, mailerService } from './services/mailer.js'
import { processManagersService } from './services/process-managers.js'
import { todoReadService } from './services/todo-read.js'
import { todoWriteService } from './services/todo-write.js'
import { userReadService } from './services/user-read.js'
import { userWriteService } from './services/user-write.js'

/** The services of the todo fleet, by the name `TODO_SERVICE` picks. */
export const todoServiceNames = [
  'user-write',
  'todo-write',
  'user-read',
  'todo-read',
  'process-managers',
  'mailer',
] as const
export type TodoServiceName = (typeof todoServiceNames)[number]

/** True for a name of {@link todoServiceNames}. */
export function isTodoServiceName(name: unknown): name is TodoServiceName {
  return todoServiceNames.includes(name as TodoServiceName)
}

/**
 * Runs one service of the fleet as this process's main program (see `runService`), configured
 * from `env`: the runtime's variables, and `TODO_SMTP_URL`, `TODO_MAIL_DIR`, `TODO_MAIL_FROM` for
 * the mailer.
 *
 * @example
 * const running = await runTodoService('todo-read')
 */
export function runTodoService(
  name: TodoServiceName,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<RunningService<object>> {
  const options = { env }
  switch (name) {
    case 'user-write':
      return runService(userWriteService(), options)
    case 'todo-write':
      return runService(todoWriteService(), options)
    case 'user-read':
      return runService(userReadService(), options)
    case 'todo-read':
      return runService(todoReadService(), options)
    case 'process-managers':
      return runService(processManagersService(), options)
    case 'mailer':
      return runService(mailerService(mailerOptions(env)), options)
  }
}
