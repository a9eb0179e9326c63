import { defineProjection, type ProjectionDefinition } from '@acta/core'
import type { UserEvent } from '../shared/messages.js'

/** Who a mail to a user goes to. */
export type Recipient = { user_id: string; name: string; email: string }

// typed before defineProjection: its NoInfer parameter keeps handlers from narrowing their event
const recipientsDefinition: ProjectionDefinition<UserEvent> = {
  name: 'mail_recipients',
  version: 1,
  collections: { recipients: {} },
  handlers: {
    UserWasRegistered: async (event, ctx) => {
      const { user_id, name, email } = event.data
      await ctx.collection<Recipient>('recipients').put(user_id, { user_id, name, email })
    },
  },
}

/**
 * The mailer's own view of the users: name and email by user id, from `UserWasRegistered` (a
 * user registered again keeps the name and email of the first registration).
 *
 * @example
 * readSide.register(recipients)
 * const to = await readSide.collection<Recipient>('mail_recipients', 'recipients').get(userId)
 */
export const recipients = defineProjection<UserEvent>(recipientsDefinition)
