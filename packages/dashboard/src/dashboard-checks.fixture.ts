import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { expect } from 'vitest'

/**
 * What a deployment holds for the dashboard checks to find. The same checks run against the
 * seeded fixture and against a real fleet; leave out what a deployment does not have.
 */
export interface DashboardExpectations {
  /** A stream with events, whose category has a decider registered (time travel). */
  stream: string
  category: string
  /** A projection to stop, start and rebuild from the UI. */
  projection: string
  /** The projection takes long enough to rebuild (seconds) that its progress shows a fraction below 1. */
  slowRebuild?: boolean
  /**
   * A consumer of the log that saves a checkpoint (an outbox relay, a log subscription); with
   * `consumerHeld`, a running instance holds its lease and keeps up with the log. Absent: the
   * deployment has none, and the consumers section says so.
   */
  consumer?: string
  consumerHeld?: boolean
  /** A durable queue of the transport (a command queue, a group); with `queueParked`, it holds a parked message. */
  queue?: string
  queueParked?: boolean
  /** A process manager with at least one active instance that has a pending timeout. */
  processManager?: string
  /** A correlation whose flow has a process-manager hop, and that hop's sender. */
  correlationWithHop?: string
  sender?: string
  /** The message type of a dead letter waiting to be replayed. */
  deadLetterType?: string
  /** True when a gateway reports services (the overview lists replicas). */
  services?: boolean
  /** Appends one event and returns its type, for the live view. */
  produce?: () => Promise<string>
  /** Where screenshots go (one per view); none when absent. */
  artifacts?: string
}

const timeout = 30_000

/** The app's address: `baseUrl` is the gateway (or the admin service) the app is served behind. */
export const appUrl = (baseUrl: string) => `${baseUrl.replace(/\/$/, '')}/_acta/`

async function shot(page: Page, expectations: DashboardExpectations, name: string) {
  if (!expectations.artifacts) return
  mkdirSync(expectations.artifacts, { recursive: true })
  await page.screenshot({ path: join(expectations.artifacts, `${name}.png`), fullPage: true })
}

/** Opens the app with the token in the fragment, as `acta dev` prints it; the token leaves the address. */
export async function openDashboard(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${appUrl(baseUrl)}#token=${encodeURIComponent(token)}`)
  await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout })
  expect(page.url()).not.toContain(token)
}

async function go(page: Page, hash: string) {
  await page.evaluate((to) => (location.hash = to), hash)
}

/** No token: the form; a wrong one: refused; the API itself answers 401 to a fetch without it. */
export async function checkTokenRequired(
  page: Page,
  baseUrl: string,
  token: string,
  expectations: DashboardExpectations,
) {
  const anonymous = await page.request.get(`${appUrl(baseUrl)}api/projections`)
  expect(anonymous.status()).toBe(401)
  expect(anonymous.headers()['content-type']).toContain('application/problem+json')

  await page.goto(appUrl(baseUrl))
  await page.evaluate(() => sessionStorage.clear())
  await page.reload()
  const field = page.getByLabel('Admin token')
  await field.waitFor({ timeout })
  expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0)
  await field.fill('wrong-token-wrong-token-wrong')
  await page.getByRole('button', { name: 'Open the dashboard' }).click()
  await page.getByRole('alert').filter({ hasText: 'refused' }).waitFor({ timeout })
  await shot(page, expectations, 'token-refused')

  await page.goto(`${appUrl(baseUrl)}#token=wrong-token-in-the-address`)
  await expect.poll(() => page.url()).not.toContain('wrong-token-in-the-address')
  await page.getByRole('alert').filter({ hasText: 'refused' }).waitFor({ timeout })

  await page.getByLabel('Admin token').fill(token)
  await page.getByRole('button', { name: 'Open the dashboard' }).click()
  await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout })
}

/** Services with their replicas' health, the log head, events/s and lag charts. */
export async function checkOverview(
  page: Page,
  _baseUrl: string,
  _token: string,
  expectations: DashboardExpectations,
) {
  await go(page, '#/overview')
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor({ timeout })
  await page.getByTestId('head-position').waitFor({ timeout })
  expect(Number((await page.getByTestId('head-position').textContent())?.replace(/\D/g, ''))).toBeGreaterThan(
    0,
  )
  if (expectations.services) {
    await page.locator('table.services tbody tr').first().waitFor({ timeout })
    expect(
      await page
        .locator('table.services')
        .getByText(/healthy|down/)
        .count(),
    ).toBeGreaterThan(0)
  }
  await page.locator('#rate-chart polyline').waitFor({ state: 'attached', timeout })
  await page.locator('#lag-chart .legend').getByText(expectations.projection).waitFor({ timeout })
  await shot(page, expectations, 'overview')
}

/** Category search, a stream's events with data and metadata, the correlation link, time travel. */
export async function checkStreams(
  page: Page,
  _baseUrl: string,
  _token: string,
  expectations: DashboardExpectations,
) {
  await go(page, '#/streams')
  await page.getByRole('heading', { level: 1, name: 'Streams' }).waitFor({ timeout })
  await page.getByLabel('Stream id or category').fill(expectations.category)
  await page.getByRole('button', { name: 'Search' }).click()
  await page
    .getByRole('heading', { name: `Streams of category “${expectations.category}”` })
    .waitFor({ timeout })
  await shot(page, expectations, 'streams-category')
  await page.getByRole('link', { name: expectations.stream, exact: true }).click()
  await page.getByRole('heading', { level: 1, name: `Stream ${expectations.stream}` }).waitFor({ timeout })
  const first = page.locator('table.events tbody').first()
  await first.getByRole('button', { name: /^Show / }).click()
  await first.getByRole('heading', { name: 'Metadata' }).waitFor({ timeout })
  await first.getByRole('heading', { name: 'Data', exact: true }).waitFor()
  const correlation = first.locator('a.correlation')
  if ((await correlation.count()) > 0) expect(await correlation.getAttribute('href')).toMatch(/^#\/flow\//)
  await shot(page, expectations, 'stream')

  await go(page, '#/streams')
  await page.getByLabel('Stream id or category').fill(expectations.stream)
  await page.getByRole('button', { name: 'Search' }).click()
  await page.getByRole('heading', { level: 1, name: `Stream ${expectations.stream}` }).waitFor({ timeout })
  await page
    .getByRole('navigation', { name: 'Stream views' })
    .getByRole('link', { name: 'Time travel' })
    .click()
  await page.locator('ol.steps > li').first().waitFor({ timeout })
  expect(await page.locator('ol.steps mark').count()).toBeGreaterThan(0)
  await shot(page, expectations, 'stream-time-travel')
}

/** The time-travel view of one stream: a step per event, the changes marked in the state. */
export async function checkTimeTravel(
  page: Page,
  _baseUrl: string,
  _token: string,
  expectations: DashboardExpectations,
) {
  await go(page, '#/time-travel')
  await page.getByLabel('Stream id').fill(expectations.stream)
  await page.getByRole('button', { name: 'Replay' }).click()
  await page.locator('ol.steps > li').first().waitFor({ timeout })
  expect(await page.locator('ol.steps ul.changes li').count()).toBeGreaterThan(0)
  await shot(page, expectations, 'time-travel')
}

/** New events appear on top as they happen; paused, they wait; a filter keeps one category. */
export async function checkLive(
  page: Page,
  _baseUrl: string,
  _token: string,
  expectations: DashboardExpectations,
) {
  await go(page, '#/live')
  const count = page.locator('.live-count')
  await page.locator('.live-state[data-state="live"]').waitFor({ timeout })
  await page.locator('table.events tbody').first().waitFor({ timeout })
  if (expectations.produce) {
    const type = await expectations.produce()
    await page
      .locator('table.events tbody')
      .first()
      .locator(`th.type`, { hasText: type })
      .waitFor({ timeout })
    await page.getByRole('button', { name: 'Pause' }).click()
    await page.locator('.live-state[data-state="paused"]').waitFor()
    const top = await page.locator('table.events tbody').first().getAttribute('data-position')
    await expectations.produce()
    await count.filter({ hasText: '1 new event waiting' }).waitFor({ timeout })
    expect(await page.locator('table.events tbody').first().getAttribute('data-position')).toBe(top)
    await page.getByRole('button', { name: 'Resume' }).click()
    await expect
      .poll(async () =>
        Number(await page.locator('table.events tbody').first().getAttribute('data-position')),
      )
      .toBeGreaterThan(Number(top))
  }
  await page.getByLabel('Categories').fill(expectations.category)
  await page.getByRole('button', { name: 'Apply filter' }).click()
  await page.locator('.live-state[data-state="live"]').waitFor({ timeout })
  await page.locator('table.events tbody').first().waitFor({ timeout })
  const streams = await page.locator('table.events tbody td a').allTextContents()
  expect(streams.length).toBeGreaterThan(0)
  for (const stream of streams) expect(stream.startsWith(`${expectations.category}-`)).toBe(true)
  await shot(page, expectations, 'live')
}

/** The projections table, a process manager's instances, and a rebuild from the UI to its end. */
export async function checkProjections(
  page: Page,
  _baseUrl: string,
  _token: string,
  expectations: DashboardExpectations,
) {
  await go(page, '#/projections')
  const row = page.locator(`tbody[data-projection="${expectations.projection}"]`)
  await row.waitFor({ timeout })
  if (expectations.processManager) {
    const pm = page.locator(`tbody[data-projection="${expectations.processManager}"]`)
    await pm.getByRole('button', { name: `Instances of ${expectations.processManager}` }).click()
    await pm.locator('tr[data-correlation]').first().waitFor({ timeout })
    await pm.locator('li[data-timer]').first().waitFor({ timeout })
  }
  await shot(page, expectations, 'projections')

  await row.getByRole('button', { name: `Stop ${expectations.projection}` }).click()
  await page
    .locator(`tbody[data-projection="${expectations.projection}"][data-state="stopped"]`)
    .waitFor({ timeout })
  await row.getByRole('button', { name: `Start ${expectations.projection}` }).click()
  await page
    .locator(`tbody[data-projection="${expectations.projection}"]:not([data-state="stopped"])`)
    .waitFor({ timeout })

  await row.getByRole('button', { name: `Rebuild ${expectations.projection}` }).click()
  const dialog = page.getByRole('dialog', { name: `Rebuild ${expectations.projection}` })
  await dialog.waitFor()
  await dialog.getByRole('button', { name: 'Rebuild' }).click()
  const progress = row.locator('.rebuild')
  await progress.waitFor({ timeout })
  const build = Number(await progress.getAttribute('data-build'))
  expect(build).toBeGreaterThan(1)
  await progress.getByRole('progressbar').waitFor()
  await shot(page, expectations, 'projections-rebuilding')
  const seen = new Set<string>()
  const deadline = Date.now() + 120_000
  while ((await progress.getAttribute('data-phase')) === 'running') {
    expect(Date.now(), 'the rebuild ends within two minutes').toBeLessThan(deadline)
    seen.add((await progress.getByRole('progressbar').getAttribute('value')) ?? '')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  expect(await progress.getAttribute('data-phase')).toBe('done')
  if (expectations.slowRebuild)
    expect(
      [...seen].some((value) => Number(value) > 0 && Number(value) < 1),
      `fractions seen: ${[...seen].join(', ')}`,
    ).toBe(true)
  expect(await progress.getByRole('progressbar').getAttribute('value')).toBe('1')
  await row.getByText(`build ${build}`, { exact: false }).first().waitFor({ timeout })
  await shot(page, expectations, 'projections-rebuilt')
}

/**
 * The consumers section of the projections view: a labelled table with the consumer's position,
 * head, lag, last update and holder, refreshed as the log moves on (or, without consumers, a
 * sentence saying there are none).
 */
export async function checkConsumers(
  page: Page,
  _baseUrl: string,
  _token: string,
  expectations: DashboardExpectations,
) {
  await go(page, '#/projections')
  const section = page.getByRole('region', { name: 'Consumers' })
  await section.waitFor({ timeout })
  if (!expectations.consumer) {
    await section.getByText('No consumer has saved a checkpoint').waitFor({ timeout })
    return
  }
  const table = section.getByRole('table', { name: 'Consumers' })
  const row = table.locator(`tr[data-consumer="${expectations.consumer}"]`)
  await row.waitFor({ timeout })
  expect(await table.locator('thead th').allTextContents()).toEqual([
    'Name',
    'Position',
    'Head',
    'Lag',
    'Last update',
    'Holder',
  ])
  expect(await row.getByRole('rowheader').textContent()).toContain(expectations.consumer)
  const count = async (column: number) =>
    Number(((await row.locator('td').nth(column).textContent()) ?? '').replace(/\D/g, ''))
  expect(await count(0)).toBeGreaterThan(0)
  await expect
    .poll(() => row.locator('td time').textContent(), { timeout })
    .toMatch(/^(just now|\d+ s ago|\d+ min ago|\d+ h ago)$/)
  const holder = (await row.getByTestId('holder').textContent()) ?? ''
  if (expectations.consumerHeld) expect(holder).not.toBe('none')
  await shot(page, expectations, 'consumers')
  if (!expectations.produce) return
  // the table refreshes by itself: a new event moves the head, then the consumer's position
  const head = await count(1)
  await expectations.produce()
  await expect.poll(() => count(1), { timeout }).toBeGreaterThan(head)
  if (expectations.consumerHeld) await expect.poll(() => count(0), { timeout }).toBeGreaterThan(head)
}

/**
 * The queues section of the projections view: a labelled table of the transport's durable queues
 * with what waits, their consumers and their parked messages; a parked count links to the dead
 * letters.
 */
export async function checkQueues(
  page: Page,
  _baseUrl: string,
  _token: string,
  expectations: DashboardExpectations,
) {
  await go(page, '#/projections')
  const section = page.getByRole('region', { name: 'Queues' })
  await section.waitFor({ timeout })
  if (!expectations.queue) return
  const table = section.getByRole('table', { name: 'Queues' })
  const row = table.locator(`tr[data-queue="${expectations.queue}"]`)
  await row.waitFor({ timeout })
  expect(await table.locator('thead th').allTextContents()).toEqual([
    'Queue',
    'Waiting',
    'Consumers',
    'Parked',
  ])
  expect(await row.getByRole('rowheader').textContent()).toBe(expectations.queue)
  expect(await row.getByTestId('waiting').textContent()).toMatch(/^\d[\d,]*$/)
  await shot(page, expectations, 'queues')
  if (!expectations.queueParked) return
  const parked = row.getByTestId('parked').getByRole('link')
  expect(Number(await parked.textContent())).toBeGreaterThan(0)
  await parked.click()
  await page.getByRole('heading', { level: 1, name: 'Dead letters' }).waitFor({ timeout })
}

/** A dead letter inspected, then replayed from the UI. */
export async function checkDeadLetters(
  page: Page,
  _baseUrl: string,
  _token: string,
  expectations: DashboardExpectations,
) {
  await go(page, '#/dead-letters')
  await page.getByRole('heading', { level: 1, name: 'Dead letters' }).waitFor({ timeout })
  if (!expectations.deadLetterType) return
  const row = page.locator('tbody[data-dead-letter]', { hasText: expectations.deadLetterType }).first()
  await row.waitFor({ timeout })
  const id = await row.getAttribute('data-dead-letter')
  await row.getByRole('button', { name: /^Inspect / }).click()
  await row.getByRole('heading', { name: 'Headers' }).waitFor()
  await shot(page, expectations, 'dead-letters')
  await row.getByRole('button', { name: /^Replay / }).click()
  await page.getByTestId('replay-outcome').filter({ hasText: 'Replayed 1 message' }).waitFor({ timeout })
  await page.locator(`tbody[data-dead-letter="${id}"]`).waitFor({ state: 'detached', timeout })
  await shot(page, expectations, 'dead-letters-replayed')
}

/** The flow of a correlation shows the process-manager hop, in the graph and in the list. */
export async function checkFlow(
  page: Page,
  _baseUrl: string,
  _token: string,
  expectations: DashboardExpectations,
) {
  if (!expectations.correlationWithHop || !expectations.sender) return
  await go(page, '#/flow')
  await page.getByLabel('Correlation id').fill(expectations.correlationWithHop)
  await page.getByRole('button', { name: 'Show the flow' }).click()
  await page.locator('.flow-graph svg').waitFor({ timeout })
  expect(await page.locator('.flow-graph .node-command').count()).toBeGreaterThanOrEqual(2)
  expect(await page.locator('.flow-graph .node-event').count()).toBeGreaterThanOrEqual(2)
  const pmName = expectations.sender.replace(/^process-manager:/, '')
  await page.locator('.flow-graph .edge-triggered .edge-label', { hasText: pmName }).waitFor()
  await page.locator('ol.flow-list li.flow-command', { hasText: `sent by ${expectations.sender}` }).waitFor()
  await shot(page, expectations, 'flow')
}

/** Tab reaches every link of the main navigation, and Enter opens its view. */
export async function checkKeyboardNavigation(
  page: Page,
  baseUrl: string,
  token: string,
  _expectations: DashboardExpectations,
) {
  const views = ['Overview', 'Streams', 'Live', 'Projections', 'Dead letters', 'Flow', 'Time travel']
  await openDashboard(page, baseUrl, token)
  for (const label of views) {
    // from the top of the page, as after opening it
    await page.reload()
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout })
    let reached = false
    for (let presses = 0; presses < 20 && !reached; presses++) {
      await page.keyboard.press('Tab')
      reached = await page.evaluate(
        (text) =>
          document.activeElement?.closest('nav[aria-label="Main"]') !== null &&
          document.activeElement?.textContent === text,
        label,
      )
    }
    expect(reached, `Tab reaches “${label}”`).toBe(true)
    await page.keyboard.press('Enter')
    const view = label.toLowerCase().replace(/ /g, '-')
    // the hash changes asynchronously: wait for the view, not for any heading
    await page.locator(`main[data-view="${view}"] h1`).waitFor({ timeout })
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('H1')
    expect(await page.getByRole('link', { name: label, exact: true }).getAttribute('aria-current')).toBe(
      'page',
    )
  }
}
