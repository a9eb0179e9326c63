import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

/** A mail as the sink received it. */
export interface ReceivedMail {
  readonly from: string
  readonly to: readonly string[]
  readonly subject: string
  /** The whole message as sent (headers and body). */
  readonly raw: string
}

/** A real SMTP server on 127.0.0.1 that keeps what it receives, for end-to-end mail checks. */
export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>`, for `TODO_SMTP_URL`. */
  readonly url: string
  readonly mails: readonly ReceivedMail[]
  stop(): Promise<void>
}

/** The unfolded value of a header of a raw message. */
function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? ''
  const match = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head)
  return (match?.[1] ?? '').replace(/\r?\n[ \t]+/g, ' ').trim()
}

/**
 * Starts an SMTP sink (smtp-server, no TLS, no authentication) on `port`, by default a free one.
 *
 * @example
 * const sink = await startSmtpSink()
 * const fleet = await startTodoFleet({ env: { TODO_SMTP_URL: sink.url } })
 * await expect.poll(() => sink.mails.map((mail) => mail.subject)).toContain('Todo expired')
 */
export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const mails: ReceivedMail[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        const from = session.envelope.mailFrom
        mails.push({
          from: from ? from.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          subject: header(raw, 'Subject'),
          raw,
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const { port: listening } = server.server.address() as AddressInfo
  return {
    url: `smtp://127.0.0.1:${listening}`,
    mails,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
