/**
 * A truth that matches the data: the ground truth's expectedRatio (expected count with the
 * scenario ÷ without, from the expectation that normalizes) against what a tester observes by
 * diffing the world with a scenario and the same world without it, per stream and 6-hour
 * block; and the streams a scenario moves downstream listed as knock-ons.
 */
import t from 'tap'
import { loadConfig } from '../server/src/config/load.js'
import { DEFAULT_CONFIG_DIR } from '../server/src/paths.js'
import { Simulation } from '../server/src/sim/simulation.js'
import { newRun } from '../server/src/scenarios/lifecycle.js'
import { groundTruth } from '../server/src/scenarios/ground-truth.js'

const HOUR = 3_600_000
const BLOCK = 6 * HOUR
const START = Date.parse('2026-11-20T12:00:00Z')
const world = loadConfig(DEFAULT_CONFIG_DIR)
const options = { seed: 11, startMs: START, historyDays: 6 }
const runStart = START - 3 * 24 * HOUR
const without = new Simulation(world, options)
without.build()

function withScenario(id: string): Simulation {
  const sim = new Simulation(world, options, [newRun('r1', world.scenarios.find((s) => s.id === id)!, runStart, runStart)])
  sim.build()
  return sim
}

const count = (sim: Simulation, s: number, from: number) => sim.history(s, from, from + BLOCK, BLOCK)[0]!.value

t.test('observed ratios agree with expectedRatio within 25% in at least 97% of busy 6-hour blocks', async (t) => {
  let judged = 0
  const misses: string[] = []
  for (const id of ['exam-season-surge', 'payment-outage', 'support-overload']) {
    const sim = withScenario(id)
    const truth = groundTruth(sim, runStart, START)
    // The truth's expectedRatio of a stream over a block: the mean of its 15-minute samples, weighted by nothing (equal spans).
    const ratioAt = new Map<string, Map<string, number>>()
    for (const e of truth) {
      if (e.cause.scenarioId !== id && e.cause.id !== 'r1') continue
      const m = ratioAt.get(e.stream) ?? new Map<string, number>()
      for (const f of e.factors) m.set(f.timestamp, f.expectedRatio)
      ratioAt.set(e.stream, m)
    }
    for (const [s, name] of sim.streamNames.entries()) {
      if (sim.engine.model.streams[s]!.def.measure !== 'count') continue
      for (let b = runStart; b + BLOCK <= START; b += BLOCK) {
        const observedWith = count(sim, s, b)
        const observedWithout = count(without, s, b)
        if (Math.max(observedWith, observedWithout) < 300) continue
        // Expected ratio over the block: where the truth lists nothing, 1; else the count-weighted mean of its samples.
        const samples = ratioAt.get(name)
        let num = 0
        let den = 0
        for (let x = b; x < b + BLOCK; x += 15 * 60_000) {
          const base = sim.engine.expectation.expectedCount(s, x, x + 15 * 60_000)
          num += base * (samples?.get(new Date(x).toISOString().replace('.000Z', 'Z')) ?? 1)
          den += base
        }
        const expected = num / den
        const observed = observedWith / observedWithout
        judged++
        if (Math.abs(observed / expected - 1) > 0.25) misses.push(`${id} ${name} +${(b - runStart) / HOUR}h: observed ×${observed.toFixed(2)}, truth ×${expected.toFixed(2)}`)
      }
    }
  }
  t.ok(judged >= 300, `${judged} blocks judged`)
  t.ok(misses.length <= 0.03 * judged, `${misses.length} of ${judged} blocks disagree by more than 25%${misses.length ? ': ' + misses.slice(0, 5).join('; ') : ''}`)
})

t.test('streams a scenario moves downstream are in the truth as knock-ons, with their cause', async (t) => {
  const outage = groundTruth(withScenario('payment-outage'), runStart, START)
  const success = outage.find((e) => e.stream === 'customer.subscription.payment_success' && e.cause.scenarioId === 'payment-outage')
  t.ok(success, 'payment successes, which give way to failures, are listed')
  t.equal(success?.mechanism, 'knock-on')
  t.ok(success && Math.min(...success.factors.map((f) => f.expectedRatio)) < 0.5, 'expected to fall by more than half during the outage')

  const surge = groundTruth(withScenario('exam-season-surge'), runStart, START)
  const views = surge.find((e) => e.stream === 'tutor.profile.viewed_by_student' && e.cause.scenarioId === 'exam-season-surge')
  t.ok(views, 'profile views, downstream of the extra searches, are listed')
  t.ok(views && Math.max(...views.factors.map((f) => f.expectedRatio)) > 1.1, 'expected to rise')
  for (const e of surge) t.ok(e.factors.every((f) => f.expectedRatio > 0), `${e.id}: every sample carries an expected ratio`)
})

t.test('an always-on cascade a scenario sets off is named after the scenario, so filtering the truth by scenario finds it', async (t) => {
  const truth = groundTruth(withScenario('churn-pattern'), runStart, START)
  const setOff = truth.filter((e) => e.cause.kind === 'cascade' && e.cause.id.startsWith('cascade_'))
  t.ok(setOff.length > 0, `${setOff.length} always-on cascade entries`)
  for (const e of setOff) if (Date.parse(e.onset) >= runStart) t.equal(e.cause.scenarioId, 'churn-pattern', `${e.id}: set off by the churn pattern`)
})
