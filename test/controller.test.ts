/**
 * The scenario controller on its own (scenarios/controller.ts), with a host that records what
 * it is asked: every change is journalled before it is applied, a refused request journals and
 * changes nothing, a journal that cannot be written leaves the world as it was, a backdated
 * activation and a reset rebuild, a stop is journalled once.
 */
import t from 'tap'
import { loadConfig } from '../server/src/config/load.js'
import { DEFAULT_CONFIG_DIR } from '../server/src/paths.js'
import { Simulation } from '../server/src/sim/simulation.js'
import { ScenarioController, type ControllerHost } from '../server/src/scenarios/controller.js'
import type { ScenarioRun } from '../server/src/scenarios/lifecycle.js'
import type { Action } from '../server/src/journal/records.js'

const HOUR = 3_600_000
const START = Date.parse('2026-11-20T12:00:00Z')
const world = loadConfig(DEFAULT_CONFIG_DIR)

function harness(opts: { journalBroken?: boolean } = {}) {
  const journal: Action[] = []
  const rebuilds: Array<{ runs: string[]; action: Action }> = []
  const sim = new Simulation(world, { seed: 1, startMs: START, historyDays: 1, background: false })
  sim.build()
  const host: ControllerHost & { sim: Simulation } = {
    sim,
    async rebuild(runs: ScenarioRun[], action: Action) {
      this.record(action)
      rebuilds.push({ runs: runs.map((r) => `${r.id}:${r.def.id}@${new Date(r.startMs).toISOString()}`), action })
      // As the real host does: the world rebuilt from its origin with these runs, continuing from now.
      const next = new Simulation(world, this.sim.options, runs, this.sim.continuation())
      next.build()
      this.sim = next
    },
    record(action: Action) {
      if (opts.journalBroken) throw new Error('disk full')
      journal.push(action)
    },
  }
  return { host, journal, rebuilds, sim, controller: new ScenarioController(world, host) }
}

const codeOf = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

t.test('a live activation is journalled, then joins the running world at the current instant', async (t) => {
  const { controller, journal, sim } = harness()
  const r = await controller.activate('exam-season-surge')
  t.same(journal, [{ type: 'activate', id: 'mod_001', scenarioId: 'exam-season-surge', startMs: sim.now, knownAt: sim.now }])
  t.equal(sim.effects.runs.length, 1, 'its effects are in the world')
  t.match(r, { scenario: { id: 'mod_001', type: 'exam-season-surge', status: 'active' } })
  t.equal(controller.state().baselineState, 'custom')
})

t.test('refusals journal nothing and change nothing', async (t) => {
  const { controller, journal, sim } = harness()
  t.equal(await codeOf(controller.activate('no-such-scenario')), 'SCENARIO_NOT_FOUND')
  t.equal(await codeOf(controller.activate('exam-season-surge', sim.now + HOUR)), 'INVALID_TIME_RANGE', 'a start in the future')
  t.equal(await codeOf(controller.activate('exam-season-surge', sim.historyStartMs - HOUR)), 'INVALID_TIME_RANGE', 'a start before the history')
  t.equal(await codeOf(() => controller.stop()), 'NO_ACTIVE_SCENARIO', 'nothing to stop')
  t.same(journal, [], 'nothing journalled')
  await controller.activate('exam-season-surge')
  t.equal(await codeOf(controller.activate('payment-outage')), 'SCENARIO_ALREADY_ACTIVE', 'one at a time')
  t.equal(journal.length, 1, 'only the accepted activation')
  t.equal(sim.effects.runs.length, 1)
})

t.test('a journal that cannot be written leaves the world as it was', async (t) => {
  const { controller, sim } = harness({ journalBroken: true })
  await t.rejects(controller.activate('exam-season-surge'), /disk full/)
  t.equal(sim.effects.runs.length, 0, 'no effects applied')
  t.equal(controller.runs.length, 0, 'no run kept')
  t.equal(controller.state().baselineState, 'normal')
})

t.test('backdated: a rebuild with the run known from its start; a stop is journalled once; a reset rebuilds without runs', async (t) => {
  const { controller, journal, rebuilds, host } = harness()
  const at = host.sim.now - 3 * HOUR
  await controller.activate('support-overload', at)
  t.same(rebuilds[0]!.runs, [`mod_001:support-overload@${new Date(at).toISOString()}`])
  t.match(rebuilds[0]!.action, { type: 'activate', startMs: at, knownAt: at }, 'known from its start: the past is re-decided with it')
  // Three hours back and six hours long: still active now.
  t.equal(controller.current()?.id, 'mod_001')
  t.equal(host.sim.effects.runs.length, 1, 'the rebuilt world has it')
  const first = controller.stop()
  const second = controller.stop()
  t.equal(first.state, 'settling')
  t.equal(second.state, 'settling', 'a second stop while settling is no error')
  t.equal(journal.filter((a) => a.type === 'stop').length, 1, 'and journals nothing more')
  await controller.activate('normal-operations')
  t.same(rebuilds[1], { runs: [], action: { type: 'reset' } }, 'normal operations is the reset: a rebuild without runs')
  t.same(controller.runs, [])
  await controller.reset()
  t.equal(rebuilds.length, 2, 'a reset with nothing to undo rebuilds nothing')
  t.same(journal[journal.length - 1], { type: 'reset' }, 'but is journalled')
})
