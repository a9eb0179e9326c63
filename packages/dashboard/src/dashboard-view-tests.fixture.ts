import type { Page } from 'playwright-core'
import { it } from 'vitest'
import {
  checkConsumers,
  checkQueues,
  checkDeadLetters,
  checkFlow,
  checkKeyboardNavigation,
  checkLive,
  checkOverview,
  checkProjections,
  checkStreams,
  checkTimeTravel,
  checkTokenRequired,
  openDashboard,
  type DashboardExpectations,
} from './dashboard-checks.fixture.js'

/** A running dashboard: the gateway (or admin service) it is served behind, its token, what it holds. */
export interface DashboardTarget {
  readonly url: string
  readonly token: string
  readonly expectations: DashboardExpectations
}

export type DashboardView =
  | 'token'
  | 'overview'
  | 'streams'
  | 'live'
  | 'projections'
  | 'consumers'
  | 'flow'
  | 'dead-letters'
  | 'keyboard'

type Check = (page: Page, url: string, token: string, expectations: DashboardExpectations) => Promise<void>

const views: readonly { view: DashboardView; name: string; open: boolean; checks: readonly Check[] }[] = [
  {
    view: 'token',
    name: 'asks for the token: none gives the form, a wrong one is refused, the API answers 401 without it',
    open: false,
    checks: [checkTokenRequired],
  },
  {
    view: 'overview',
    name: 'shows services, the log head and the charts on the overview',
    open: true,
    checks: [checkOverview],
  },
  {
    view: 'streams',
    name: 'finds streams by category and shows events with data, metadata and time travel',
    open: true,
    checks: [checkStreams, checkTimeTravel],
  },
  { view: 'live', name: 'follows the log live, pauses and filters', open: true, checks: [checkLive] },
  {
    view: 'projections',
    name: 'shows projections and process-manager instances, and rebuilds a projection to the end',
    open: true,
    checks: [checkProjections],
  },
  {
    view: 'consumers',
    name: 'lists the consumers of the log with their lag and holder, and the transport’s queues',
    open: true,
    checks: [checkConsumers, checkQueues],
  },
  {
    view: 'flow',
    name: 'draws the flow of a correlation through its process-manager hop',
    open: true,
    checks: [checkFlow],
  },
  { view: 'dead-letters', name: 'replays a dead letter from the UI', open: true, checks: [checkDeadLetters] },
  {
    view: 'keyboard',
    name: 'reaches every view from the main navigation with Tab and Enter',
    open: false,
    checks: [checkKeyboardNavigation],
  },
]

/**
 * One test per view of the dashboard against `target()`, each in `page()` (a fresh page the caller
 * makes in `beforeEach`). The same tests run against the seeded fixture and a real fleet; a
 * deployment that checks a view its own way lists it in `except`.
 *
 * @example
 * beforeEach(async () => (page = await freshPage(browser)))
 * dashboardViewTests(() => ({ url: fleet.url, token, expectations }), () => page, { except: ['dead-letters'] })
 */
export function dashboardViewTests(
  target: () => DashboardTarget,
  page: () => Page,
  options: { except?: readonly DashboardView[] } = {},
): void {
  for (const { view, name, open, checks } of views) {
    if (options.except?.includes(view)) continue
    it(name, async () => {
      const { url, token, expectations } = target()
      if (open) await openDashboard(page(), url, token)
      for (const check of checks) await check(page(), url, token, expectations)
    })
  }
}
