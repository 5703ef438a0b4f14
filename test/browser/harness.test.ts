/**
 * The harness's own promises, which browser tests build on: a missing Chromium fails loudly,
 * and restart() brings the server back on the same port with only the expected noise logged.
 */
import t from 'tap'
import { launchChromium } from '../../scripts/lib/browser.mjs'
import { openBrowser, openPage, RESTART_NOISE, startServer } from './harness.js'

t.test('a missing Chromium is an error naming the install command', async (t) => {
  await t.rejects(launchChromium('/nonexistent/chromium'), /apt-get install -y chromium/)
})

t.test('restart() keeps the port, so an open page reconnects', async (t) => {
  const server = await startServer(t)
  const browser = await openBrowser(t)
  const { page, problems, allowed, allow } = await openPage(browser, `${server.url}/admin/`, {
    allow: [/favicon\.ico/],
    selector: '#app > *', // mounted is enough here; no need to wait for data
  })
  // A client that reconnects every 100 ms, as the console's WebSocket client is expected to.
  await page.evaluate((url) => {
    const w = window as unknown as { opens: number }
    w.opens = 0
    const connect = () => {
      const ws = new WebSocket(url)
      ws.onopen = () => w.opens++
      ws.onclose = () => setTimeout(connect, 100)
    }
    connect()
  }, server.url.replace('http', 'ws') + '/ws')
  await page.waitForFunction(() => (window as unknown as { opens: number }).opens === 1)

  allow(...RESTART_NOISE)
  const pid = server.pid
  await server.restart()
  t.not(server.pid, pid, 'a new process')
  await page.waitForFunction(() => (window as unknown as { opens: number }).opens === 2)
  t.same(problems, [], 'nothing but the expected noise')
  t.ok(allowed.some((l) => RESTART_NOISE[0].test(l)), 'refused reconnects were logged, and allowed')
})
