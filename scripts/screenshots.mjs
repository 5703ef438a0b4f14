#!/usr/bin/env node
/**
 * `npm run screenshots` (after `npm run build`): the console as a presenter sees it, on the
 * built server with the small fixed world, at laptop (1440×900) and projector (1920×1080) size,
 * into docs/screenshots/console-{laptop,projector}.png once the rendered marker shows.
 * With --activate <scenarioId> the clock is set to 60× and the scenario started through the
 * API; --wait ms later (default 8000, for the live updates to arrive) both pages chart the
 * first stream it bends and are taken again as console-{laptop,projector}-scenario.png.
 *
 *   node scripts/screenshots.mjs [--activate payment-outage] [--wait 8000] [--out docs/screenshots]
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
const waitMs = Number(arg('wait', 8000))

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
    // Let the first API calls and the first pulse land, so the picture shows data, not "Loading…".
    await page.waitForLoadState('networkidle')
    await page.waitForSelector('.cell[data-normalized]:not([data-normalized=""])')
    await shoot(page, name)
    for (const p of problems) console.log(`warning (${name}): ${p}`)
    pages[name] = page
  }
  if (scenario) {
    // As a presenter would: clock at 60× so the scenario shows within seconds.
    const post = async (url, body) => {
      const res = await fetch(`${server.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`)
      return res.json()
    }
    await post('/api/simulation/clock', { speed: 60 })
    const activated = await post('/api/simulation/scenario', { scenarioId: scenario })
    await pages.laptop.waitForTimeout(waitMs)
    // Chart the stream the scenario bends first, with its markers.
    const first = Object.keys(activated.scenario.affectedStreams)[0]
    for (const [name, page] of Object.entries(pages)) {
      if (first) {
        await page.click(`.cell[data-stream="${first}"]`)
        await page.waitForSelector('[data-testid="chart"] canvas')
      }
      await shoot(page, `${name}-scenario`)
    }
  }
})
