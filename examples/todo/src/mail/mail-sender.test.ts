import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { mailSender } from './mail-sender.js'

const dir = mkdtempSync(join(tmpdir(), 'acta-todo-mail-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the folder outbox', () => {
  const sender = mailSender({ mailDir: join(dir, 'outbox'), from: 'todo@acta.local' })
  afterAll(() => sender.close())
  const mail = (text: string) => ({
    id: '0190e5c4-7a1b-7000-8000-000000000001',
    to: { name: 'Ann Smith', address: 'ann@example.com' },
    subject: 'Todo expired',
    text,
    headers: { 'X-Todo-Id': 't-1' },
  })

  it('writes one .eml file per mail, named by its id', async () => {
    // When a mail is sent to the folder outbox (created on first use)
    const file = await sender.send(mail('Your todo "pay rent" expired.'))
    // Then it is a complete message in that folder
    expect(file).toBe(join(dir, 'outbox', '0190e5c4-7a1b-7000-8000-000000000001.eml'))
    const eml = readFileSync(file, 'utf8')
    expect(eml).toMatch(/^From: todo@acta\.local\r?$/im)
    expect(eml).toMatch(/^To: Ann Smith <ann@example\.com>\r?$/im)
    expect(eml).toMatch(/^Subject: Todo expired\r?$/im)
    expect(eml).toMatch(/^Message-ID: <0190e5c4-7a1b-7000-8000-000000000001@acta\.local>\r?$/im)
    expect(eml).toMatch(/^X-Todo-Id: t-1\r?$/im)
    expect(eml).toContain('Your todo "pay rent" expired.')
  })

  it('replaces the file when the same mail is sent again, leaving no partial file', async () => {
    // Given a mail sent, then sent again (a redelivery)
    await sender.send(mail('first'))
    const file = await sender.send(mail('second'))
    // Then the folder holds one file, with the last copy
    expect(readdirSync(join(dir, 'outbox'))).toEqual(['0190e5c4-7a1b-7000-8000-000000000001.eml'])
    expect(readFileSync(file, 'utf8')).toContain('second')
  })
})
