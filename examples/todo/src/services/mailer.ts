import { ActaError, ValidationError, type Command } from '@acta/core'
import { defineService, type ServiceDefinition } from '@acta/service'
import { z } from 'zod'
import { mailSender, type MailSender, type MailSenderOptions } from '../mail/mail-sender.js'
import { recipients, type Recipient } from '../mail/recipients.js'
import { startReadModels, type ReadModels } from '../read/read-models.js'
import type { SendMail } from '../shared/messages.js'

export interface MailerResources {
  readonly models: ReadModels
  readonly sender: MailSender
}

/** How the mailer sends, and how often it tries a mail before parking it as a dead letter. */
export interface MailerOptions extends MailSenderOptions {
  /** Deliveries of one mail before it is parked (dead letter, replayable). Default 10. */
  readonly attempts?: number
}

/**
 * The mailer's settings from the environment: `TODO_SMTP_URL` (unset: the folder outbox),
 * `TODO_MAIL_DIR` (default `.acta/mail`, relative to the working directory), `TODO_MAIL_FROM`
 * (default `todo@acta.local`) and `TODO_MAIL_ATTEMPTS` (default 10).
 *
 * @example
 * mailerService(mailerOptions({ TODO_SMTP_URL: 'smtp://127.0.0.1:2525' }))
 */
export function mailerOptions(
  env: Readonly<Record<string, string | undefined>> = process.env,
): MailerOptions {
  const attempts = env.TODO_MAIL_ATTEMPTS
  if (attempts !== undefined && attempts !== '' && !/^[1-9]\d{0,2}$/.test(attempts))
    throw new ValidationError('TODO_MAIL_ATTEMPTS must be an integer from 1 to 999')
  return {
    smtpUrl: env.TODO_SMTP_URL || undefined,
    mailDir: env.TODO_MAIL_DIR || '.acta/mail',
    from: env.TODO_MAIL_FROM || 'todo@acta.local',
    ...(attempts ? { attempts: Number(attempts) } : {}),
  }
}

const sendMailData = z.object({
  user_id: z.string().min(1),
  subject: z.enum(['Todo expired', 'Todo reminder']),
  todo_id: z.string().min(1),
  text: z.string(),
})

/**
 * The `mailer` service: serves the `send-mail` queue (deduplicated by message id through the
 * inbox), finds the user's name and email in its own recipients projection and sends with
 * nodemailer. A mail to a user it does not know yet, or one the SMTP server refuses, is retried (the
 * transport redelivers it) and parked after `attempts`; a malformed one is refused and logged.
 *
 * @example
 * await runService(mailerService(mailerOptions(process.env)))
 */
export function mailerService(options: MailerOptions = mailerOptions()): ServiceDefinition<MailerResources> {
  return defineService<MailerResources>({
    name: 'mailer',
    async setup(ctx) {
      const models = await startReadModels(ctx, () => [recipients])
      const sender = mailSender(options)
      const people = models.readSide.collection<Recipient>(recipients.name, 'recipients')
      const recipientOf = async (userId: string): Promise<Recipient> => {
        const known = await people.get(userId)
        if (known) return known
        // the user may have registered just before: catch up with the log once before giving up
        await models.readSide.waitFor(recipients.name, await ctx.store.headPosition(), 2000)
        const caughtUp = await people.get(userId)
        if (caughtUp) return caughtUp
        throw new ActaError('UNAVAILABLE', `User ${userId} is not known to the mailer yet`, {
          details: { user_id: userId },
        })
      }
      ctx.commandBus.register<Command<'send-mail'>>('send-mail', async (command) => {
        const parsed = sendMailData.safeParse(command.data)
        if (!parsed.success) throw new ValidationError(`Malformed send-mail: ${parsed.error.message}`)
        const mail: SendMail['data'] = parsed.data
        const id = String(command.metadata?.messageId)
        const to = await recipientOf(mail.user_id)
        const sent = await sender.send({
          id,
          to: { name: to.name, address: to.email },
          subject: mail.subject,
          text: mail.text,
          headers: { 'X-Todo-Id': mail.todo_id },
        })
        ctx.logger.info({ messageId: id, user_id: mail.user_id, subject: mail.subject, sent }, 'mail sent')
      })
      return { models, sender }
    },
    // a user not known yet, or an SMTP server that does not answer, is retried (about two minutes
    // with the default 10 attempts) before the mail is parked as a dead letter an operator replays
    subscriptions: (s) => [
      s.commands(['send-mail'], { maxAttempts: options.attempts ?? 10, retryDelayMs: 500 }),
    ],
  })
}
