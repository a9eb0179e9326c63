import { access, constants } from 'node:fs/promises'
import type { Browser, Page } from 'playwright-core'
import { serviceGate, type ServiceGate } from './service-gate.js'

/** The Chromium the browser tests drive: `ACTA_CHROMIUM`, else Debian's chromium package. */
export function chromiumExecutable(): string {
  return process.env.ACTA_CHROMIUM ?? '/usr/bin/chromium'
}

/**
 * Gates browser tests on a runnable Chromium (see {@link chromiumExecutable}): they skip loudly
 * without one, and fail instead when `ACTA_REQUIRE_SERVICES=1`.
 *
 * @example
 * const browserGate = await chromiumGate()
 * describe.skipIf(!browserGate.available)('the page in a browser', () => { ... })
 */
export function chromiumGate(): Promise<ServiceGate> {
  return serviceGate('Chromium', () => access(chromiumExecutable(), constants.X_OK))
}

/**
 * Launches the gated Chromium headless with the flags a container or CI machine needs (no
 * sandbox, no GPU, no background traffic).
 *
 * @example
 * const browser = await launchChromium()
 * afterAll(() => browser.close())
 */
export async function launchChromium(): Promise<Browser> {
  // loaded on use, so that importing @acta/testing stays cheap for the many tests without a browser
  const { chromium } = await import('playwright-core')
  return chromium.launch({
    executablePath: chromiumExecutable(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
}

/**
 * Opens a page in a context of its own (no cookies or storage from another test); closing the
 * page closes its context.
 *
 * @example
 * beforeEach(async () => (page = await freshPage(browser)))
 * afterEach(() => page.close())
 */
export function freshPage(
  browser: Browser,
  viewport: { width: number; height: number } = { width: 1280, height: 860 },
): Promise<Page> {
  return browser.newPage({ viewport })
}
