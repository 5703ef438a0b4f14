#!/usr/bin/env node
/**
 * `npm run budget` (after `npm run build`): is the admin console still light and quick?
 *   - size: admin-ui/dist/assets/*.js gzipped at level 9, summed, against 60 KB (CSS reported);
 *   - first render: the built server on a small world, /admin opened `--runs` times in fresh
 *     browser contexts, time from navigation start until the rendered marker; every run,
 *     the first one with a cold renderer included, must be under 1000 ms.
 * Exits 1 when a budget is exceeded.
 *
 *   node scripts/admin-budget.mjs [--runs 5] [--selector '[data-ready="true"]'] [--fallback '#app > *'] [--timeout 5000]
 */
import { gzippedKb, JS_BUDGET_KB } from './lib/bundle.mjs'
import { recordProblems, renderedSeries } from './lib/browser.mjs'
import { arg, renderedArgs, withServerAndBrowser } from './lib/cli.mjs'

const RENDER_BUDGET_MS = 1000
const runs = Number(arg('runs', 5))

let failed = false
const verdict = (ok) => {
  failed ||= !ok
  return ok ? 'ok' : 'OVER BUDGET'
}
const js = gzippedKb('.js')
console.log(`admin JS   ${js.toFixed(1)} KB gzipped (budget ${JS_BUDGET_KB} KB)  ${verdict(js <= JS_BUDGET_KB)}`)
console.log(`admin CSS  ${gzippedKb('.css').toFixed(1)} KB gzipped`)

const { times, selector } = await withServerAndBrowser(async ({ server, browser }) => {
  const load = renderedSeries(renderedArgs())
  const times = []
  let r
  for (let i = 1; i <= runs; i++) {
    const context = await browser.newContext()
    const page = await context.newPage()
    const { problems } = recordProblems(page)
    r = await load(page, `${server.url}/admin/`)
    if (r.missed) console.log(`note: ${r.missed} never appeared; timing ${r.selector} instead`)
    times.push(r.ms)
    for (const p of problems) console.log(`warning (run ${i}): ${p}`)
    await context.close()
  }
  return { times, selector: r.selector }
})
const sorted = [...times].sort((a, b) => a - b)
const mid = sorted.length / 2
const median = sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2
console.log(
  `first render until ${selector}: median ${Math.round(median)} ms, max ${Math.round(sorted.at(-1))} ms ` +
    `over ${runs} runs [${times.map(Math.round).join(', ')}] (budget ${RENDER_BUDGET_MS} ms, every run)  ${verdict(sorted.at(-1) <= RENDER_BUDGET_MS)}`,
)
process.exit(failed ? 1 : 0)
