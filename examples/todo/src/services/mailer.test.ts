import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startService, type RunningService } from '@acta/service'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { userStream, type SendMail } from '../shared/messages.js'
import { mailerOptions, mailerService, type MailerResources } from './mailer.js'

const dir = mkdtempSync(join(tmpdir(), 'acta-todo-mailer-'))
let service: RunningService<MailerResources>
beforeAll(async () => {
  service = await startService(mailerService(mailerOptions({ TODO_MAIL_DIR: dir })), {
    config: { port: 0, databaseUrl: 'memory', transportUrl: 'memory', logLevel: 'silent' },
  })
})
afterAll(async () => {
  await service?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const register = (user_id: string, name: string, email: string) =>
  service.context.store.append(userStream(user_id), [
    { type: 'UserWasRegistered', data: { user_id, name, email } },
  ])
const sendMail = (messageId: string, data: SendMail['data']) =>
  service.context.commandBus.send({ type: 'send-mail', data, metadata: { messageId } })
const refusedUnavailable = /^acta_commands_refused_total\{[^}]*code="UNAVAILABLE"[^}]*\} (\d+)/m
const mails = () => readdirSync(dir).filter((file) => file.endsWith('.eml'))

describe('the mailer service', () => {
  it('mails a registered user from the send-mail queue, once per message id', async () => {
    // Given a registered user
    await register('u-1', 'Ann', 'ann@example.com')
    const data: SendMail['data'] = {
      user_id: 'u-1',
      subject: 'Todo reminder',
      todo_id: 't-1',
      text: 'water the plants',
    }
    // When the same send-mail arrives twice
    await sendMail('00000000-0000-7000-8000-00000000000a', data)
    await sendMail('00000000-0000-7000-8000-00000000000a', data)
    // Then one mail is in the outbox, to the user's address
    await expect.poll(mails, { timeout: 10_000 }).toEqual(['00000000-0000-7000-8000-00000000000a.eml'])
    const eml = readFileSync(join(dir, '00000000-0000-7000-8000-00000000000a.eml'), 'utf8')
    expect(eml).toMatch(/^To: Ann <ann@example\.com>\r?$/m)
    expect(eml).toMatch(/^Subject: Todo reminder\r?$/m)
    expect(eml).toContain('water the plants')
  })

  it('retries a mail to a user it does not know yet until the user is registered', async () => {
    // Given a mail to a user whose registration comes later
    await sendMail('00000000-0000-7000-8000-00000000000b', {
      user_id: 'u-late',
      subject: 'Todo expired',
      todo_id: 't-2',
      text: 'late',
    })
    // and tried once already
    await expect
      .poll(
        async () => (await (await fetch(`${service.url}/metrics`)).text()).match(refusedUnavailable)?.[1],
        {
          timeout: 10_000,
        },
      )
      .toBeDefined()
    // When the user registers
    await register('u-late', 'Lee', 'lee@example.com')
    // Then the mail goes out
    await expect.poll(mails, { timeout: 15_000 }).toContain('00000000-0000-7000-8000-00000000000b.eml')
  })
})

describe("the mailer's settings", () => {
  it('reads the attempts before a mail is parked from TODO_MAIL_ATTEMPTS, and refuses a bad value', () => {
    expect(mailerOptions({}).attempts).toBeUndefined()
    expect(mailerOptions({ TODO_MAIL_ATTEMPTS: '3' }).attempts).toBe(3)
    for (const bad of ['0', '-1', 'three', '1.5', '1000'])
      expect(() => mailerOptions({ TODO_MAIL_ATTEMPTS: bad })).toThrow('TODO_MAIL_ATTEMPTS')
  })
})
