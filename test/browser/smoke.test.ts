/**
 * The built console loads from the real server in a real browser without a console error.
 * The presenter's run through the console is console.test.ts; this one only loads the page.
 */
import t from 'tap'
import { openBrowser, openPage, startServer } from './harness.js'

t.test('/admin renders without console errors', async (t) => {
  const server = await startServer(t)
  const browser = await openBrowser(t)
  const { page, problems, allowed, rendered } = await openPage(browser, `${server.url}/admin/`)
  // Let the first API calls finish, so their failures would show up as console errors.
  await page.waitForLoadState('networkidle')
  t.match(await page.title(), 'Marketplace simulator')
  for (const line of allowed) t.comment(`allowed: ${line}`)
  t.same(problems, [], `no console errors or warnings (rendered: ${rendered.selector} at ${Math.round(rendered.ms)} ms)`)
})
