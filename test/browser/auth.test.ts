/**
 * The console against a server run with ADMIN_TOKEN: the first control asks for the token in a
 * dialog, a wrong one is said to be wrong, the right one activates the scenario, and the next
 * control goes through without asking again.
 */
import t from 'tap'
import { openBrowser, openPage, startServer } from './harness.js'

const TOKEN = 'browser-admin-token-1234'

t.test('a presenter enters the admin token once and drives the protected console', async (t) => {
  const server = await startServer(t, { env: { ADMIN_TOKEN: TOKEN } })
  const browser = await openBrowser(t)
  const { page, problems, allow } = await openPage(browser, `${server.url}/admin/`)
  // Chromium logs every 401 itself; those are the point of this test.
  allow(/status of 401 \(Unauthorized\) \(http:\/\/[^)]+\/api\/simulation\/scenario:/)
  await page.waitForSelector('[data-testid="link-status"]:text("live")')

  await page.click('[data-testid="activate-exam-season-surge"]')
  await page.waitForSelector('[data-testid="token-dialog"][open]')
  t.match(await page.textContent('[data-testid="token-reason"]'), /protects its controls/)
  t.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'token-input', 'focus is in the field')
  await page.keyboard.type('not-the-right-token')
  await page.keyboard.press('Enter')
  await page.waitForSelector('[data-testid="token-reason"]:text("refused that token")')
  t.equal(await page.getAttribute('[data-testid="scenario-exam-season-surge"]', 'data-state'), 'idle', 'nothing activated')

  await page.fill('[data-testid="token-input"]', TOKEN)
  await page.keyboard.press('Enter')
  await page.waitForSelector('[data-testid="token-dialog"][open]', { state: 'detached' })
  await page.waitForSelector('[data-testid="scenario-exam-season-surge"][data-state="active"]')
  t.equal(await page.textContent('[data-testid="baseline-state"]'), 'custom', 'the scenario is active')

  await page.click('[data-testid="stop"]')
  await page.waitForSelector('[data-testid="running"][data-phase="settling"]')
  t.equal(await page.locator('[data-testid="token-dialog"][open]').count(), 0, 'the kept token was sent: no second question')
  t.same(problems, [], 'no console errors besides the 401s')
})
