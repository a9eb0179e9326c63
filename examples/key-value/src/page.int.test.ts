import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromiumGate, eventually, freshPage, launchChromium } from '@acta/testing'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFleet, type Fleet } from './fleet.js'

const browserGate = await chromiumGate()
const artifacts = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url))

describe.skipIf(!browserGate.available)('the live page in a browser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acta-key-value-page-'))
  let fleet: Fleet
  let browser: Browser
  beforeAll(async () => {
    fleet = await startFleet({
      env: {
        ACTA_DATABASE_URL: `sqlite:${join(dir, 'acta.db')}`,
        ACTA_TRANSPORT_URL: `sqlite:${join(dir, 'transport.db')}`,
      },
    })
    browser = await launchChromium()
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await fleet?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const open = async (): Promise<Page> => {
    const page = await freshPage(browser, { width: 1100, height: 700 })
    await page.goto(`${fleet.url}/`)
    await page.locator('#status[data-state="live"]').waitFor()
    // a reload would lose this
    await page.evaluate(() => Object.assign(window, { sameDocument: true }))
    return page
  }
  const row = (page: Page, key: string) => page.locator(`#values tr[data-key="${key}"]`)
  const event = (page: Page, value: string, text: string) =>
    page.locator(`#events li[data-value="${value}"]`, { hasText: text })

  it('shows values put by other clients and their events as they happen, without a reload', async () => {
    await fetch(`${fleet.url}/values/before`, { method: 'PUT', body: 'already there' })
    const page = await open()
    expect(await row(page, 'before').locator('td').nth(1).textContent()).toBe('already there')

    const put = await fetch(`${fleet.url}/values/colour`, { method: 'PUT', body: 'blue' })
    expect(put.status).toBe(200)
    await row(page, 'colour').filter({ hasText: 'blue' }).waitFor()
    await event(page, 'ValueHasBeenPut', 'colour = blue').waitFor()

    await fetch(`${fleet.url}/values/colour`, { method: 'PUT', body: 'green' })
    await row(page, 'colour').filter({ hasText: 'green' }).waitFor()
    await fetch(`${fleet.url}/values/before`, { method: 'DELETE' })
    await row(page, 'before').waitFor({ state: 'detached' })
    await event(page, 'ValueHasBeenDeleted', 'before').waitFor()

    const other = await open()
    await event(page, 'Connection opened', '').nth(1).waitFor()
    await other.close()
    await event(page, 'Connection closed', '').waitFor()

    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(
      true,
    )
    expect(await page.locator('#values tbody tr').count()).toBe(1)
    mkdirSync(artifacts, { recursive: true })
    await page.screenshot({ path: join(artifacts, 'key-value.png'), fullPage: true })
    await page.close()
  })

  it('writes through its own form', async () => {
    const page = await open()
    await page.fill('input[name="key"]', 'typed')
    await page.fill('input[name="value"]', 'in the browser')
    await page.click('button[name="put"]')
    await page.locator('#answer', { hasText: 'PUT 200' }).waitFor()
    await row(page, 'typed').filter({ hasText: 'in the browser' }).waitFor()
    await eventually(async () => (await fetch(`${fleet.replicas[2]!.url}/values/typed`)).ok, 10_000)
    const res = await fetch(`${fleet.replicas[2]!.url}/values/typed`)
    expect(await res.json()).toEqual({ key: 'typed', value: 'in the browser' })
    await page.close()
  })
})
