import { defineProcessManager, scheduledCommand, startScheduler, type Command } from '@acta/core'
import { defineService, type ServiceDefinition } from '@acta/service'
import { deadlines } from '../process/deadlines.js'
import { notifications } from '../process/notifications.js'
import { reminders } from '../process/reminders.js'
import { startReadModels, type ReadModels } from '../read/read-models.js'

export interface ProcessManagersOptions {
  /** Longest sleep of the scheduler, so timers set by another replica are seen. Default 500 ms. */
  pollIntervalMs?: number
}

export interface ProcessManagersResources {
  readonly models: ReadModels
  readonly scheduler: { close(): Promise<void> }
}

/**
 * The `process-managers` service: the deadline, reminder and notification process managers
 * (one replica runs each by lease) and the durable scheduler over the fleet's database (every
 * replica claims due timers). Commands go out through the command bus to their queues:
 * `mark-todo-as-expired` and `remind-todo-assignee` to todo-write, `send-mail` to the mailer,
 * each with a message id derived from its event or timer, so receivers drop repeats.
 *
 * @example
 * await runService(processManagersService())
 */
export function processManagersService(
  options: ProcessManagersOptions = {},
): ServiceDefinition<ProcessManagersResources> {
  return defineService<ProcessManagersResources>({
    name: 'process-managers',
    async setup(ctx) {
      const dispatch = (command: Command) => ctx.commandBus.send(command)
      const models = await startReadModels(ctx, ({ schedules }) => [
        defineProcessManager(deadlines, { dispatch, schedules }),
        defineProcessManager(reminders, { dispatch, schedules }),
        defineProcessManager(notifications, { dispatch, schedules }),
      ])
      const scheduler = startScheduler({
        schedules: models.stores.schedules,
        pollIntervalMs: options.pollIntervalMs ?? 500,
        dispatch: async (entry) => void (await dispatch(scheduledCommand(entry))),
        onError: (error, context) =>
          ctx.logger.warn({ err: error, timer: context.entry?.id, parked: context.parked }, 'timer failed'),
      })
      // closed in reverse order: the scheduler stops before the stores it reads
      return { models, scheduler: { close: () => scheduler.stop() } }
    },
  })
}
