/**
 * Cascades answer causes, not noise: a rule lifts its target only when its trigger runs beyond
 * the honest spread (Poisson, groups and the weather), and a scenario's own rule on a trigger
 * replaces the global rule on the same trigger and target while it is in force.
 */
import t from 'tap'
import { loadConfig } from '../server/src/config/load.js'
import { DEFAULT_CONFIG_DIR } from '../server/src/paths.js'
import { Simulation } from '../server/src/sim/simulation.js'
import { build, TEST_START, iso } from './helpers.js'

const world = loadConfig(DEFAULT_CONFIG_DIR)

t.test('in a world where nothing was changed, the global cascades stay quiet', async (t) => {
  const startMs = Date.parse('2026-11-20T12:00:00Z')
  const sim = new Simulation(world, { seed: 42, startMs, historyDays: 30, background: false })
  sim.build()
  const c = sim.effects.cascades
  for (const rule of c.rules) {
    // Repeat callers ("2 calls in 14 days") are counted against a share from the catalog alone,
    // which the world exceeds (issue 13 notes it); every other rule is held to 1%.
    if (rule.ledger.atLeast !== undefined) continue
    let n = 0
    let lifted = 0
    for (let at = sim.historyStartMs + 86_400_000; at < startMs; at += 300_000) {
      n++
      if (c.applied(rule, at, at) > 1) lifted++
    }
    t.ok(lifted / n < 0.01, `${rule.description}: lifted in ${((100 * lifted) / n).toFixed(1)}% of 5-minute buckets (< 1%)`)
  }
})

t.test("a scenario's own rule replaces the global one on its trigger and target while in force", async (t) => {
  const app = await build(t, { simulation: { historyDays: 3 } })
  const res = await app.inject({
    method: 'POST',
    url: '/api/simulation/scenario',
    payload: { scenarioId: 'exam-season-surge', startTime: iso(TEST_START - 30 * 3_600_000) },
  })
  t.equal(res.statusCode, 200)
  const sim = app.simulation.sim
  const c = sim.effects.cascades
  const own = c.rules.find((r) => r.run && r.description === 'session.booking.expired → support.ticket.created')!
  const global = c.rules.find((r) => !r.run && r.trigger === own.trigger && r.target === own.target)!
  t.ok(own && global, 'both rules exist')
  let ownLifted = 0
  let globalLifted = 0
  for (let at = TEST_START - 30 * 3_600_000; at < TEST_START; at += 300_000) {
    if (c.applied(global, at, at) !== 1) globalLifted++
    if (c.applied(own, at, at) > 1) ownLifted++
  }
  t.equal(globalLifted, 0, 'the global rule is silent while the scenario is in force')
  t.ok(ownLifted > 0, `the scenario's rule lifted tickets in ${ownLifted} buckets`)
  const truth = (await app.inject(`/api/simulation/ground-truth?start=${iso(TEST_START - 30 * 3_600_000)}&end=${iso(TEST_START)}`)).json()
  const ids = truth.effects.map((e: { cause: { id: string } }) => e.cause.id)
  t.notOk(ids.includes(global.id), 'the ground truth does not list the silenced global rule')
})
