/**
 * The built console loads from the real server in a real browser without a console error.
 * Deliberately minimal while the console is rewritten; its own tests grow beside this one.
 */
import t from 'tap'
import { openBrowser, openPage, startServer } from './harness.js'

t.test('/admin renders without console errors', async (t) => {
  const server = await startServer(t)
  const browser = await openBrowser(t)
  // Known gap, allowed by name so it stays visible: nothing serves /favicon.ico and index.html
  // declares no icon, so Chromium logs a 404. Drop this once either is fixed.
  const allow = [/404 \(Not Found\) \(http:\/\/[^)]+\/favicon\.ico:/]
  const { page, problems, allowed, rendered } = await openPage(browser, `${server.url}/admin/`, { allow })
  // Let the first API calls finish, so their failures would show up as console errors.
  await page.waitForLoadState('networkidle')
  t.match(await page.title(), 'Marketplace simulator')
  for (const line of allowed) t.comment(`allowed: ${line}`)
  t.same(problems, [], `no console errors or warnings (rendered: ${rendered.selector} at ${Math.round(rendered.ms)} ms)`)
})
