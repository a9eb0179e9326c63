import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createTransport } from 'nodemailer'

export interface MailSenderOptions {
  /** `smtp://host:port` (`smtps://user:password@host:465`, …): send over SMTP. Unset: write files to `mailDir`. */
  smtpUrl?: string | undefined
  /** Folder of the file outbox: one `<id>.eml` per mail. */
  mailDir: string
  /** The From address. */
  from: string
}

/** One mail; `id` names it (file name, Message-ID), so sending it again replaces rather than adds. */
export interface OutgoingMail {
  id: string
  to: { name: string; address: string }
  subject: string
  text: string
  headers?: Record<string, string>
}

export interface MailSender {
  /** Where the mail went: the `.eml` file, or the SMTP server's answer. */
  send(mail: OutgoingMail): Promise<string>
  close(): void
}

/**
 * Sends mail with nodemailer: over SMTP when `smtpUrl` is set, else into a folder outbox (one
 * `.eml` file per mail, written whole then renamed, named by the mail's id).
 *
 * @example
 * const sender = mailSender({ mailDir: '.acta/mail', from: 'todo@acta.local' })
 * await sender.send({ id, to: { name: 'Ann', address: 'ann@example.com' }, subject: 'Todo expired', text })
 */
export function mailSender(options: MailSenderOptions): MailSender {
  const domain = options.from.split('@')[1] ?? 'acta.local'
  const message = (mail: OutgoingMail) => ({
    from: options.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    messageId: `<${mail.id}@${domain}>`,
    headers: mail.headers ?? {},
  })
  if (options.smtpUrl) {
    const smtp = createTransport(options.smtpUrl)
    return {
      send: async (mail) => (await smtp.sendMail(message(mail))).response,
      close: () => smtp.close(),
    }
  }
  const dir = resolve(options.mailDir)
  const files = createTransport({ streamTransport: true, buffer: true })
  return {
    async send(mail) {
      const { message: eml } = await files.sendMail(message(mail))
      await mkdir(dir, { recursive: true })
      const file = join(dir, `${mail.id.replace(/[^A-Za-z0-9._-]/g, '_')}.eml`)
      // a reader of the folder never sees half a mail
      const partial = `${file}.${process.pid}.partial`
      await writeFile(partial, eml as Buffer)
      await rename(partial, file)
      return file
    },
    close: () => files.close(),
  }
}
