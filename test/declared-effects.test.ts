/**
 * Declared effects come true: a factor a scenario declares on a stream is what the stream's
 * count does where the ground truth places it (`shows`). A factor on a stream's own arrivals,
 * or on a partly-derived stream (tickets, refunds), shows as declared while the scenario runs;
 * one on decisions taken ahead (expirations, cancellations) shows later and spread out, and
 * the truth says when and how much. Either way the data agrees with what the truth says.
 */
import t from 'tap'
import { loadConfig } from '../server/src/config/load.js'
import { DEFAULT_CONFIG_DIR } from '../server/src/paths.js'
import { Simulation } from '../server/src/sim/simulation.js'
import { newRun } from '../server/src/scenarios/lifecycle.js'
import { groundTruth } from '../server/src/scenarios/ground-truth.js'
import { scenarioSummaries } from '../server/src/scenarios/catalog.js'

const HOUR = 3_600_000
const SAMPLE = 15 * 60_000
const START = Date.parse('2026-11-20T12:00:00Z')
const world = loadConfig(DEFAULT_CONFIG_DIR)
const options = { seed: 5, startMs: START, historyDays: 8 }
const count = (sim: Simulation, s: number, a: number, b: number) => sim.history(s, a, b, b - a)[0]!.value
const cards = new Map(scenarioSummaries(world).map((s) => [s.id, s.affectedStreams ?? {}]))
const worlds = new Map<number, Simulation>()
function baseline(days: number): Simulation {
  let w = worlds.get(days)
  if (!w) {
    w = new Simulation(world, { ...options, historyDays: days })
    w.build()
    worlds.set(days, w)
  }
  return w
}

const cases: Array<[string, number]> = [
  ['support-overload', 4],
  ['quality-crisis', 4],
  ['supply-crisis', 4],
  ['exam-season-surge', 4],
  ['payment-outage', 4],
  ['churn-pattern', 4],
  ['competitor-disruption', 4],
  // Approvals come 7-14 days after the applications the crisis thins: a longer past.
  ['recruiting-crisis', 20],
]
for (const [id, daysBack] of cases) {
  t.test(`${id}: every declared factor shows in the data where the truth places it`, async (t) => {
    const def = world.scenarios.find((s) => s.id === id)!
    const days = daysBack + 4
    const without = baseline(days)
    const runStart = START - daysBack * 24 * HOUR
    const sim = new Simulation(world, { ...options, historyDays: days }, [newRun('r1', def, runStart, runStart)])
    sim.build()
    const truth = groundTruth(sim, runStart, START).filter((e) => e.cause.scenarioId === id && (e.mechanism === 'rate' || e.mechanism === 'branch-share'))
    for (const [name, m] of Object.entries(def.affectedStreams)) {
      if (m.multiplier === undefined) continue
      const e = truth.find((x) => x.stream === name && x.cause.kind === 'scenario')
      t.ok(e, `${name}: in the truth`)
      if (!e) continue
      const s = sim.streamNames.indexOf(name)
      if (e.mechanism === 'rate') {
        // Own arrivals, the whole stream included: as declared, while the scenario runs. Judged
        // over six hours (or the scenario's span if shorter), count-weighted, as a factor is.
        const width = Math.max(1, Math.min(24, Math.round((Date.parse(e.settleEnd ?? e.onset) - Date.parse(e.onset)) / SAMPLE)))
        const base = e.factors.map((f) => sim.engine.expectation.expectedCount(s, Date.parse(f.timestamp), Date.parse(f.timestamp) + SAMPLE))
        let peak = 1
        for (let i = 0; i + width <= e.factors.length; i++) {
          let num = 0
          let den = 0
          for (let k = i; k < i + width; k++) {
            num += base[k]! * e.factors[k]!.expectedRatio
            den += base[k]!
          }
          if (den > 0 && Math.abs(num / den - 1) > Math.abs(peak - 1)) peak = num / den
        }
        t.ok(Math.abs(peak / m.multiplier - 1) <= 0.2, `${name}: declared ×${m.multiplier}, the truth expects ×${peak.toFixed(2)} at its peak (${width} samples)`)
      }
      t.ok(e.shows, `${name}: the truth says where ×${m.multiplier} shows`)
      if (!e.shows) continue
      if (!('rate' === e.mechanism) && Date.parse(e.shows.from) - runStart > 2 * HOUR) {
        t.ok(cards.get(id)?.[name]?.shows, `${name}: shows from ${e.shows.from}, and the scenario's card says it shows later: "${cards.get(id)?.[name]?.shows}"`)
      }
      // Where the effect is strong by the truth: the samples at least half as far from 1 as its peak.
      const peak = e.shows.peakExpectedRatio
      const strong = e.factors.filter((f) => Math.abs(f.expectedRatio - 1) >= 0.5 * Math.abs(peak - 1))
      let expectedWith = 0
      let expectedWithout = 0
      let observedWith = 0
      let observedWithout = 0
      for (const f of strong) {
        const a = Date.parse(f.timestamp)
        const base = sim.engine.expectation.expectedCount(s, a, a + SAMPLE)
        expectedWith += base * f.expectedRatio
        expectedWithout += base
        observedWith += count(sim, s, a, a + SAMPLE)
        observedWithout += count(without, s, a, a + SAMPLE)
      }
      if (observedWithout < 300) {
        t.pass(`${name}: ${observedWithout} events where it peaks, too few to judge`)
        continue
      }
      const expected = expectedWith / expectedWithout
      const observed = observedWith / observedWithout
      t.ok(Math.abs(observed / expected - 1) <= 0.2, `${name}: declared ×${m.multiplier}; where the truth places its peak (${strong.length} samples) it expects ×${expected.toFixed(2)}, the data shows ×${observed.toFixed(2)}`)
    }
  })
}
