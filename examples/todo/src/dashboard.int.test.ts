// The dashboard in a browser against the running todo fleet: the same checks as the dashboard's own
// seeded fixture, on the data the todo services make (issue: every view renders real data).
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  checkConsumers,
  checkQueues,
  checkDeadLetters,
  checkOverview,
  openDashboard,
  type DashboardExpectations,
} from '@acta/dashboard/checks'
import { dashboardViewTests } from '@acta/dashboard/view-tests'
import { chromiumGate, freshPage, launchChromium } from '@acta/testing'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { accept, fromNow, postedTodo, registeredUser, until } from './checks/command-client.fixture.js'
import { startTodoFleet, type TodoFleet } from './fleet.js'
import { startSmtpSink, type SmtpSink } from './smtp-sink.fixture.js'

/** A local port nothing listens on (yet): the SMTP server that is down, then comes back. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

const browserGate = await chromiumGate()
const artifacts = fileURLToPath(new URL('../../../test-artifacts/dashboard-todo/', import.meta.url))

describe.skipIf(!browserGate.available)('the dashboard of the todo fleet in a browser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acta-todo-dashboard-'))
  const token = 'todo-dashboard-test-token-0123456789'
  let fleet: TodoFleet
  let browser: Browser
  let page: Page
  let expectations: DashboardExpectations
  let smtpPort: number
  let sink: SmtpSink | undefined

  beforeAll(async () => {
    // the SMTP server is down at first: the expiry mail fails twice and is parked as a dead letter
    smtpPort = await closedPort()
    fleet = await startTodoFleet({
      cwd: dir,
      dashboard: { token },
      env: {
        ACTA_DATABASE_URL: `sqlite:${join(dir, 'acta.db')}`,
        ACTA_TRANSPORT_URL: `sqlite:${join(dir, 'transport.db')}`,
        TODO_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        TODO_MAIL_ATTEMPTS: '2',
      },
    })
    const base = fleet.url
    // a todo with a reminder an hour ahead: the reminders process manager holds a pending timeout
    const reminded = await postedTodo(base, 'call the plumber')
    await accept(
      base,
      'add-reminder-to-todo',
      { todo_id: reminded.todo_id, user_id: reminded.user.user_id, reminder: fromNow(3_600_000) },
      ['ReminderWasAddedToTodo'],
    )
    // a todo whose deadline passes: its correlation runs through the deadlines process manager
    const expiring = await postedTodo(base, 'renew the passport')
    const correlationId = `dashboard-${expiring.todo_id}`
    const added = await fetch(`${base}/api/commands/add-deadline-to-todo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
      body: JSON.stringify({
        todo_id: expiring.todo_id,
        user_id: expiring.user.user_id,
        deadline: fromNow(1500),
      }),
    })
    expect(added.status).toBe(202)
    await until('the todo to expire', async () => {
      const todo = (await (await fetch(`${base}/api/todos/${expiring.todo_id}`)).json()) as { status: string }
      return todo.status === 'EXPIRED' ? todo : undefined
    })
    await until('the expiry mail to be parked', async () => {
      const answer = await fetch(`${base}/_acta/api/dead-letters`, {
        headers: { authorization: `Bearer ${token}` },
      })
      const { deadLetters } = (await answer.json()) as { deadLetters: { message: { type: string } }[] }
      return deadLetters.find((letter) => letter.message.type === 'send-mail')
    })
    // the live view counts what arrives while paused: each produce records exactly one event
    const poster = await registeredUser(base, 'Live Poster')
    let produced = 0
    expectations = {
      stream: `todo-${expiring.todo_id}`,
      category: 'todo',
      projection: 'todo_list',
      processManager: 'todo_reminders',
      correlationWithHop: correlationId,
      sender: 'process-manager:todo_deadlines',
      deadLetterType: 'send-mail',
      queue: 'commands.send-mail',
      queueParked: true,
      services: true,
      artifacts,
      produce: async () => {
        produced++
        const todo_id = `live-${poster.user_id}-${produced}`
        await accept(
          base,
          'post-todo',
          { assignee_id: poster.user_id, todo_id, text: `live todo ${produced}` },
          ['TodoWasPosted'],
        )
        return 'TodoWasPosted'
      },
    }
    browser = await launchChromium()
  }, 240_000)
  afterAll(async () => {
    await browser?.close()
    await fleet?.stop()
    await sink?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  beforeEach(async () => {
    page = await freshPage(browser)
  })
  afterEach(async () => {
    await page?.close()
  })

  // token, overview, streams and time travel, live, projections (a rebuild of todo_list, the
  // reminders' pending timeout), the expiry chain's flow, keyboard navigation; consumers and dead
  // letters are checked below the todo fleet's own way
  dashboardViewTests(
    () => ({ url: fleet.url, token, expectations }),
    () => page,
    { except: ['consumers', 'dead-letters'] },
  )

  // the todo services talk through command queues and read the log with projections only: no
  // outbox relay and no checkpointed s.log subscription, so the consumers section says there are none
  it('shows the consumers section empty, as the admin API lists no consumer besides the projections', async () => {
    const answer = await fetch(`${fleet.url}/_acta/api/consumers`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(answer.status).toBe(200)
    const { consumers } = (await answer.json()) as { consumers: { name: string }[] }
    expect(consumers.map((consumer) => consumer.name)).toEqual([])
    await openDashboard(page, fleet.url, token)
    await checkConsumers(page, fleet.url, token, expectations)
    // and the queues section shows the mailer's queue, with the mail parked while SMTP was down
    await checkQueues(page, fleet.url, token, expectations)
  })

  it('shows the mail parked while SMTP was down, and replays it once SMTP is back', async () => {
    sink = await startSmtpSink(smtpPort)
    await openDashboard(page, fleet.url, token)
    await checkDeadLetters(page, fleet.url, token, expectations)
    const mail = await until('the replayed mail', async () =>
      sink?.mails.find((received) => received.subject === 'Todo expired'),
    )
    expect(mail.raw).toContain('renew the passport')
  })

  it('serves the app under a strict Content-Security-Policy, and redirects /_acta to /_acta/', async () => {
    const redirect = await fetch(`${fleet.url}/_acta`, { redirect: 'manual' })
    expect(redirect.status).toBe(308)
    expect(redirect.headers.get('location')).toBe('/_acta/')
    const app = await fetch(`${fleet.url}/_acta/`)
    expect(app.status).toBe(200)
    expect(app.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(app.headers.get('x-frame-options')).toBe('DENY')
    // and the app runs under it: no violation reported while a view loads
    const violations: string[] = []
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text())
    })
    await openDashboard(page, fleet.url, token)
    await checkOverview(page, fleet.url, token, expectations)
    expect(violations).toEqual([])
  })
})
