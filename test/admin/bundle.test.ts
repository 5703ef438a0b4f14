/** The admin bundle stays within its budget (sizes are deterministic; render time is a script's figure). */
import t from 'tap'
import { gzippedKb, JS_BUDGET_KB } from '../../scripts/lib/bundle.mjs'

t.test('the console ships at most 60 KB of gzipped JavaScript', async (t) => {
  const kb = gzippedKb('.js')
  t.ok(kb > 5, `the bundle was built (${kb.toFixed(1)} KB)`)
  t.ok(kb <= JS_BUDGET_KB, `${kb.toFixed(1)} KB gzipped ≤ ${JS_BUDGET_KB} KB`)
})
