/**
 * The ground truth's bent expectation passes: computed ahead in slices (a server starts them
 * after its build and after each scenario change), and read-only: asking for the truth, or
 * computing it ahead, leaves the world exactly as it would have been.
 */
import t from 'tap'
import { loadConfig } from '../server/src/config/load.js'
import { DEFAULT_CONFIG_DIR } from '../server/src/paths.js'
import { Simulation } from '../server/src/sim/simulation.js'
import { newRun } from '../server/src/scenarios/lifecycle.js'
import { ExpectedWorlds } from '../server/src/scenarios/expected-worlds.js'
import { groundTruth } from '../server/src/scenarios/ground-truth.js'

const HOUR = 3_600_000
const START = Date.parse('2026-11-20T12:00:00Z')
const world = loadConfig(DEFAULT_CONFIG_DIR)
const surge = world.scenarios.find((s) => s.id === 'quality-crisis')!
const runStart = START - 30 * HOUR

function make(): Simulation {
  const sim = new Simulation(world, { seed: 9, startMs: START, historyDays: 3 }, [newRun('r1', surge, runStart, runStart)])
  sim.build()
  return sim
}

t.test('computed ahead in slices, stoppable, and the same numbers as computed on demand', async (t) => {
  const sim = make()
  const ahead = new ExpectedWorlds(sim.engine, sim.effects)
  let turns = 0
  await ahead.warm(sim.now, async () => void turns++, () => false)
  t.ok(turns >= 4 * 3, `${turns} turns of the event loop for the history (six hours each)`)
  const onDemand = new ExpectedWorlds(sim.engine, sim.effects)
  for (const [s, name] of sim.streamNames.entries()) {
    for (const view of ['scenario', 'background'] as const) {
      const a = ahead.ratio(view, s, runStart, runStart + 6 * HOUR)
      const b = onDemand.ratio(view, s, runStart, runStart + 6 * HOUR)
      if (a !== b) t.fail(`${name} (${view}): ${a} ahead, ${b} on demand`)
    }
  }
  let stopped = 0
  await new ExpectedWorlds(sim.engine, sim.effects).warm(sim.now, async () => void stopped++, () => stopped >= 2)
  t.equal(stopped, 2, 'a cancelled warm-up stops at its next turn')
})

t.test('asking for the truth, or computing it ahead, leaves the world as it would have been', async (t) => {
  const asked = make()
  const quiet = make()
  const truth = groundTruth(asked, asked.historyStartMs, asked.now)
  t.ok(truth.length > 0, `${truth.length} effects`)
  await new ExpectedWorlds(asked.engine, asked.effects).warm(asked.now, async () => undefined, () => false)
  // Both worlds run on for four hours, with the cascades of the crisis still listening.
  for (const sim of [asked, quiet]) sim.advanceTo(START + 4 * HOUR)
  for (const [s, name] of asked.streamNames.entries()) {
    const a = asked.history(s, START, START + 4 * HOUR, 15 * 60_000).map((p) => p.value)
    const b = quiet.history(s, START, START + 4 * HOUR, 15 * 60_000).map((p) => p.value)
    if (a.join() !== b.join()) t.fail(`${name}: the world moved after the truth was read`)
  }
  t.pass('every stream, every 15 minutes: the same')
})
