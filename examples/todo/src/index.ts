import { fileURLToPath } from 'node:url'
export { startTodoFleet, todoRouteTable } from './fleet.js'
export type { TodoFleet, TodoFleetOptions } from './fleet.js'
export { isTodoServiceName, runTodoService, todoServiceNames } from './todo-services.js'
export type { TodoServiceName } from './todo-services.js'
export { userWriteService } from './services/user-write.js'
export { todoWriteService } from './services/todo-write.js'
export { userReadService } from './services/user-read.js'
export { todoReadService } from './services/todo-read.js'
export { processManagersService } from './services/process-managers.js'
export type { ProcessManagersOptions } from './services/process-managers.js'
export { mailerOptions, mailerService } from './services/mailer.js'
export { deadlines } from './process/deadlines.js'
export { reminders } from './process/reminders.js'
export { notifications } from './process/notifications.js'
export { todoList } from './read/todo-list.js'
export type { TodoView } from './read/todo-list.js'
export { userList } from './read/user-list.js'
export type { UserView } from './read/user-list.js'
export { todoCommands, todoStream, userCommands, userStream } from './shared/messages.js'
export type {
  DeadlineWasAddedToTodo,
  DomainEvent,
  ReminderWasAddedToTodo,
  SendMail,
  TodoAssigneeWasReminded,
  TodoCommandName,
  TodoEvent,
  TodoStatus,
  TodoWasMarkedAsDone,
  TodoWasMarkedAsExpired,
  TodoWasPosted,
  TodoWasReopened,
  TodoWasUnmarkedAsExpired,
  UserCommandName,
  UserEvent,
  UserWasRegistered,
  UserWasRegisteredAgain,
} from './shared/messages.js'

/** The `npm run start:todo` program (the fleet behind the gateway), for running it as a child process. */
export const todoFleetProgram = fileURLToPath(new URL('./start.ts', import.meta.url))
