import type { ProcessManagerDefinition } from '@acta/core'
import type { SendMail, TodoEvent } from '../shared/messages.js'

/** Per todo: what a mail about it names. */
export type NotificationState = {
  text: string | null
  assignee_id: string | null
  deadline: string | null
}

const mail = (data: SendMail['data']): SendMail => ({ type: 'send-mail', data })

/**
 * Mails the assignee through the mailer service (`send-mail`, with a message id derived from the
 * event, so a redelivered event mails nothing twice): "Todo expired" when a todo expires, "Todo
 * reminder" when its assignee is reminded. Keeps each todo's text and deadline for the mail.
 *
 * @example
 * readSide.register(defineProcessManager(notifications, { dispatch, schedules }))
 */
export const notifications: ProcessManagerDefinition<TodoEvent, NotificationState> = {
  name: 'todo_notifications',
  correlate: {
    TodoWasPosted: (event) => event.data.todo_id,
    DeadlineWasAddedToTodo: (event) => event.data.todo_id,
    TodoWasMarkedAsExpired: (event) => event.data.todo_id,
    TodoAssigneeWasReminded: (event) => event.data.todo_id,
  },
  initialState: { text: null, assignee_id: null, deadline: null },
  handle(state, event) {
    const { todo_id } = event.data
    const text = state.text ?? todo_id
    switch (event.type) {
      case 'TodoWasPosted':
        return { state: { ...state, text: event.data.text, assignee_id: event.data.assignee_id } }
      case 'DeadlineWasAddedToTodo':
        return { state: { ...state, deadline: event.data.deadline } }
      case 'TodoWasMarkedAsExpired':
        return {
          commands: [
            mail({
              user_id: event.data.assignee_id,
              subject: 'Todo expired',
              todo_id,
              text: `Your todo "${text}" expired: its deadline ${state.deadline ?? ''} has passed.`,
            }),
          ],
        }
      case 'TodoAssigneeWasReminded':
        return {
          commands: [
            mail({
              user_id: event.data.user_id,
              subject: 'Todo reminder',
              todo_id,
              text: `A reminder about your todo "${text}", set for ${event.data.reminder}.`,
            }),
          ],
        }
      default:
        return {}
    }
  },
}
