import { fileURLToPath } from 'node:url'
import { chromiumGate, freshPage, launchChromium } from '@acta/testing'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest'
import { buildDashboard } from './build-dashboard.js'
import type { DashboardExpectations } from './dashboard-checks.fixture.js'
import { dashboardViewTests } from './dashboard-view-tests.fixture.js'
import { startDashboardFixture, type DashboardFixture } from './dashboard-fixture.js'

const browserGate = await chromiumGate()
const artifacts = fileURLToPath(new URL('../../../test-artifacts/dashboard/', import.meta.url))

describe.skipIf(!browserGate.available)('the dashboard in a browser', () => {
  let fixture: DashboardFixture
  let browser: Browser
  let page: Page
  let expectations: DashboardExpectations
  let produced = 0

  beforeAll(async () => {
    // built here rather than on the service's start, so a stale build never hides a change
    await buildDashboard()
    fixture = await startDashboardFixture()
    expectations = {
      ...fixture.seeded,
      services: true,
      slowRebuild: true,
      consumerHeld: true,
      artifacts,
      produce: async () => {
        produced++
        await fixture.store.append(`todo-live-${produced}`, [
          { type: 'TodoWasPosted', data: { todoId: `live-${produced}`, text: `live ${produced}` } },
        ])
        return 'TodoWasPosted'
      },
    }
    browser = await launchChromium()
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await fixture?.stop()
  })

  beforeEach(async () => {
    page = await freshPage(browser)
  })
  afterEach(async () => {
    await page?.close()
  })

  dashboardViewTests(
    () => ({ url: fixture.url, token: fixture.token, expectations }),
    () => page,
  )
})
