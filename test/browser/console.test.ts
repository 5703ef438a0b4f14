/**
 * The admin console in Chromium against the real server: a presenter's run from opening /admin
 * to a server restart (what the console says about refusals, the clock and its counts: explains.test.ts). The page drives the world only through its own buttons; waits are for
 * what the page shows (conditions), never for an amount of time.
 */
import t from 'tap'
import type { Page } from 'playwright-core'
import { RESTART_NOISE, openBrowser, openPage, startServer } from './harness.js'

/** A cell's observed and expected counts over its window, as the heatmap shows them. */
const cellRatio = (page: Page, stream: string) =>
  page.$eval(`[data-stream="${stream}"].cell`, (el) => Number((el as HTMLElement).dataset.observed) / Number((el as HTMLElement).dataset.expected))

t.test('a presenter drives a scenario from /admin and the console survives a server restart', async (t) => {
  const server = await startServer(t)
  const browser = await openBrowser(t)
  const { page, problems, allow } = await openPage(browser, `${server.url}/admin/`, { context: { viewport: { width: 1440, height: 900 } } })

  // The simulation panel and the world as loaded.
  await page.waitForSelector('[data-testid="link-status"]:text("live")')
  t.equal(await page.textContent('[data-testid="seed"]'), '42')
  t.equal(await page.textContent('[data-testid="baseline-state"]'), 'normal')
  t.equal(await page.locator('.cell').count(), 50, 'one heatmap cell per stream')
  t.equal(await page.locator('article.card').count(), 9, 'one card per scenario')
  await page.waitForFunction(() => [...document.querySelectorAll('.cell')].every((c) => (c as HTMLElement).dataset.normalized !== ''))

  // Run the clock at 60× so the surge shows within seconds, with the button a presenter uses.
  await page.click('.speeds button:text("60×")')
  await page.waitForSelector('.speeds button[aria-pressed="true"]:text("60×")')

  // The live feed receives events.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed"] li').length >= 10)
  t.pass('the live feed shows events')

  // Activate: the card goes active, the affected cells move, the ground truth lists the factors.
  await page.click('[data-testid="activate-exam-season-surge"]')
  await page.waitForSelector('[data-testid="scenario-exam-season-surge"][data-state="active"]')
  await page.waitForSelector('[data-testid="running"][data-phase="active"]')
  t.equal(await page.textContent('[data-testid="baseline-state"]'), 'custom')
  await page.waitForFunction(
    () => {
      const ratio = (s: string) => {
        const el = document.querySelector(`[data-stream="${s}"].cell`) as HTMLElement
        return Number(el.dataset.observed) / Number(el.dataset.expected)
      }
      return ratio('customer.tutor.search') > 1.25 && ratio('session.booking.requested') > 1.2
    },
    undefined,
    { timeout: 30_000 },
  )
  t.ok((await cellRatio(page, 'customer.tutor.search')) > 1.25, 'searches (×1.6) run well above their expectation')
  await page.waitForSelector('[data-testid="truth-table"] tr[data-stream="customer.tutor.search"]')
  t.match(await page.textContent('[data-testid="truth-table"] tr[data-stream="customer.tutor.search"]'), /×1\.6/)

  // A second scenario cannot be started: its Activate is disabled and the card says why.
  const why = await page.textContent('[data-testid="blocked-payment-outage"]')
  t.match(why, /Exam Season Surge is running: stop it/)
  t.ok(await page.isDisabled('[data-testid="activate-payment-outage"]'), 'the other Activate buttons are disabled')
  t.equal(await page.getAttribute('[data-testid="activate-payment-outage"]', 'title'), why, 'and say why on hover too')

  // A click on a cell charts the stream (a week of history plus the hour in progress).
  await page.click('[data-stream="customer.tutor.search"].cell')
  await page.waitForSelector('[data-testid="chart"] canvas')
  t.pass('the chart draws')

  // Stop: settling.
  await page.click('[data-testid="stop"]')
  await page.waitForSelector('[data-testid="running"][data-phase="settling"]')
  await page.waitForSelector('[data-testid="scenario-exam-season-surge"][data-state="settling"]')
  t.pass('stop → settling')

  // Reset goes through a confirmation, by keyboard: Escape cancels, Enter on Reset confirms.
  await page.focus('[data-testid="reset"]')
  await page.keyboard.press('Enter')
  await page.waitForSelector('[data-testid="confirm-dialog"][open]')
  await page.keyboard.press('Escape')
  await page.waitForSelector('[data-testid="confirm-dialog"][open]', { state: 'detached' })
  t.equal(await page.getAttribute('[data-testid="running"]', 'data-phase'), 'settling', 'cancelled: nothing reset')
  await page.focus('[data-testid="reset"]')
  await page.keyboard.press('Enter')
  await page.waitForSelector('[data-testid="confirm-dialog"][open]')
  await page.focus('[data-testid="confirm"]')
  await page.keyboard.press('Enter')
  await page.waitForSelector('[data-testid="running"][data-phase="none"]')
  await page.waitForSelector('[data-testid="baseline-state"]:text("normal")')
  // The state push can come before the answer to the reset: wait for the action to finish.
  await page.waitForSelector('.console[data-busy=""]')
  t.pass('reset → normal')

  // The server restarts: the page says it lost the link, reconnects by itself and resumes.
  allow(...RESTART_NOISE)
  const before = await page.locator('[data-testid="feed"] li').count()
  await server.restart()
  await page.waitForSelector('[data-testid="banner-resumed"]', { timeout: 30_000 })
  await page.waitForSelector('[data-testid="link-status"]:text("live")')
  t.match(await page.textContent('[data-testid="banner-resumed"]'), /Reconnected/)
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed"] li').length > 0)
  t.ok(before > 0, 'the feed had events before the restart and has them after')
  t.equal(await page.textContent('[data-testid="baseline-state"]'), 'normal', 'the state was re-read from the new server')
  t.same(problems, [], 'no console errors or warnings')
})
