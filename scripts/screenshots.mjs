#!/usr/bin/env node
/**
 * `npm run screenshots` (after `npm run build`): the console as a presenter sees it, on the
 * built server with the small fixed world, at laptop (1440×900) and projector (1920×1080) size,
 * into docs/screenshots/console-{laptop,projector}.png once the rendered marker shows.
 * With --activate <scenarioId> the scenario is started through the API and, --wait ms later
 * (default 4000, for the live updates to arrive), the open laptop page is taken again as
 * console-scenario.png.
 *
 *   node scripts/screenshots.mjs [--activate payment-outage] [--wait 4000] [--out docs/screenshots]
 *                                [--selector '[data-ready="true"]'] [--fallback '#app > *'] [--timeout 5000]
 */
import fs from 'node:fs'
import path from 'node:path'
import { recordProblems, renderedSeries } from './lib/browser.mjs'
import { arg, renderedArgs, withServerAndBrowser } from './lib/cli.mjs'
import { ROOT } from './lib/server-process.mjs'

const VIEWPORTS = { laptop: { width: 1440, height: 900 }, projector: { width: 1920, height: 1080 } }
const out = path.resolve(ROOT, arg('out', 'docs/screenshots'))
const scenario = arg('activate')
const waitMs = Number(arg('wait', 4000))

await withServerAndBrowser(async ({ server, browser }) => {
  fs.mkdirSync(out, { recursive: true })
  const load = renderedSeries(renderedArgs())
  const shoot = async (page, name) => {
    const file = path.join(out, `console-${name}.png`)
    await page.screenshot({ path: file })
    console.log(path.relative(ROOT, file))
  }
  const pages = {}
  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    const page = await (await browser.newContext({ viewport })).newPage()
    const { problems } = recordProblems(page)
    const r = await load(page, `${server.url}/admin/`)
    if (r.missed) console.log(`note: ${r.missed} never appeared; waited for ${r.selector} instead`)
    // Let the first API calls land, so the picture shows data rather than "Loading…".
    await page.waitForLoadState('networkidle')
    await shoot(page, name)
    for (const p of problems) console.log(`warning (${name}): ${p}`)
    pages[name] = page
  }
  if (scenario) {
    const res = await fetch(`${server.url}/api/simulation/scenario`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scenarioId: scenario }),
    })
    if (!res.ok) throw new Error(`activating ${scenario}: HTTP ${res.status} ${await res.text()}`)
    await pages.laptop.waitForTimeout(waitMs)
    await shoot(pages.laptop, 'scenario')
  }
})
