/**
 * A world replaced by a reset or a backdated activation is let go: nothing the server keeps
 * (the WebSocket hub's subscription, the counterfactual world) may hold it, or every reset
 * would add a whole world (~100 MB at 30 days) to the process.
 */
import v8 from 'node:v8'
import vm from 'node:vm'
import t from 'tap'
import type { Simulation } from '../server/src/sim/simulation.js'
import { build, TEST_START } from './helpers.js'

// The collector, on demand: a world is only shown to be unreachable by collecting it.
v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

/** Whether `collected` says true once the garbage is collected (finalizers run after a turn). */
async function collectedAfterGc(collected: () => boolean): Promise<boolean> {
  for (let i = 0; i < 10 && !collected(); i++) {
    gc()
    await new Promise((r) => setTimeout(r, 10))
  }
  return collected()
}

t.test('worlds replaced by resets and a backdated activation are collected', async (t) => {
  const app = await build(t, { simulation: { historyDays: 1 } })
  app.simulation.sim.advanceTo(TEST_START + 10 * 60_000)
  const gone = new Set<number>()
  const registry = new FinalizationRegistry<number>((version) => gone.add(version))
  const replaced: number[] = []
  const post = async (url: string, payload?: object) => {
    const res = await app.inject({ method: 'POST', url, payload: payload ?? {} })
    t.equal(res.statusCode, 200, `${url}: ${res.statusCode === 200 ? 'ok' : res.body}`)
  }
  const watch = () => {
    registry.register(app.simulation.sim, app.simulation.sim.version)
    replaced.push(app.simulation.sim.version)
  }
  // Not kept in this frame: the test must hold no world itself.
  const watchBaseline = (baseline: Simulation) => {
    registry.register(baseline, baseline.version)
    replaced.push(baseline.version)
    return baseline !== app.simulation.sim
  }
  for (let i = 0; i < 2; i++) {
    watch()
    await post('/api/simulation/scenario', { scenarioId: 'exam-season-surge' })
    // The world without the scenario (`?world=baseline`) is built while one runs: a reset must let it go as well.
    t.ok(await app.simulation.baselineWorld().then(watchBaseline), 'a counterfactual world stands beside the running one')
    await post('/api/simulation/reset')
  }
  watch()
  await post('/api/simulation/scenario', { scenarioId: 'supply-crisis', startTime: new Date(TEST_START - 6 * 3_600_000).toISOString() })
  const current = app.simulation.sim.version
  t.notOk(replaced.includes(current), 'the backdated activation built a new world')
  t.ok(await collectedAfterGc(() => replaced.every((v) => gone.has(v))), `replaced worlds ${replaced.join(', ')} collected (gone: ${[...gone].join(', ')})`)
  t.equal((await app.inject({ url: '/api/simulation/state' })).json().historicalMode, 'modified', 'the standing world still answers')
})
