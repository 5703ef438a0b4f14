/**
 * The counterfactual, served: `world=baseline` answers a history window from the same world
 * without any scenario, so a tester can diff against the ground truth with no second server.
 */
import t from 'tap'
import { build, iso, TEST_START } from './helpers.js'
import { MIN, WORLD, exportRun, parse } from './export-helpers.js'

const HOUR = 3_600_000
const range = `start=${iso(TEST_START - 2 * 24 * HOUR)}&end=${iso(TEST_START + 30 * 60_000)}&interval=1h`

t.test('world=baseline equals a server that was never given the scenario; the current world differs where the scenario acts', async (t) => {
  const withScenario = await build(t, { simulation: { historyDays: 3 } })
  const res = await withScenario.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'exam-season-surge', startTime: iso(TEST_START - 20 * HOUR) } })
  t.equal(res.statusCode, 200)
  withScenario.simulation.sim.advanceTo(TEST_START + 30 * 60_000)

  const untouched = await build(t, { simulation: { historyDays: 3 } })
  untouched.simulation.sim.advanceTo(TEST_START + 30 * 60_000)

  const counterfactual = await withScenario.inject(`/api/simulation/history?${range}&world=baseline`)
  t.equal(counterfactual.statusCode, 200)
  const reference = await untouched.inject(`/api/simulation/history?${range}`)
  t.same(counterfactual.json().streams, reference.json().streams, 'every stream, every point: as if the scenario had never been pressed')

  const current = (await withScenario.inject(`/api/simulation/history?${range}`)).json().streams
  const searches = (points: Array<{ value: number }>) => points.reduce((a, p) => a + p.value, 0)
  t.ok(
    searches(current['customer.tutor.search']) > searches(counterfactual.json().streams['customer.tutor.search']),
    'the current world has the surge in it, the baseline does not',
  )

  const again = await withScenario.inject(`/api/simulation/history?${range}&world=baseline`)
  t.same(again.json(), counterfactual.json(), 'asked again: the same answer')

  // The world moves on; the counterfactual follows it.
  withScenario.simulation.sim.advanceTo(TEST_START + 50 * 60_000)
  untouched.simulation.sim.advanceTo(TEST_START + 50 * 60_000)
  const later = `start=${iso(TEST_START - 2 * 24 * HOUR)}&end=${iso(TEST_START + 50 * 60_000)}&interval=15m`
  t.same(
    (await withScenario.inject(`/api/simulation/history?${later}&world=baseline`)).json().streams,
    (await untouched.inject(`/api/simulation/history?${later}`)).json().streams,
    'twenty minutes later, still the world without the scenario',
  )
  const bad = await withScenario.inject(`/api/simulation/history?${range}&world=other`)
  t.equal(bad.statusCode, 400, 'an unknown world is a 400')
  t.equal(bad.json().error.code, 'INVALID_TIME_RANGE')
})

t.test('without a scenario, world=baseline is the world itself', async (t) => {
  const app = await build(t, { simulation: { historyDays: 3 } })
  app.simulation.sim.advanceTo(TEST_START + 30 * 60_000)
  const a = await app.inject(`/api/simulation/history?${range}&world=baseline`)
  const b = await app.inject(`/api/simulation/history?${range}`)
  t.same(a.json(), b.json())
})

t.test('the export takes --world baseline: the window as if no scenario had been run', async (t) => {
  const window = [...WORLD, '--from', iso(TEST_START), '--to', iso(TEST_START + 20 * MIN)]
  const surge = ['--scenario', `exam-season-surge@${iso(TEST_START - 60 * MIN)}`]
  const [plain, counterfactual, current] = await Promise.all([exportRun(window), exportRun([...window, ...surge, '--world', 'baseline']), exportRun([...window, ...surge])])
  for (const r of [plain, counterfactual, current]) t.equal(r.code, 0, r.stderr)
  t.ok(counterfactual.stdout === plain.stdout, 'byte for byte the world without the scenario')
  const searches = (text: string) => parse(text).filter((e) => e.stream === 'customer.tutor.search').length
  t.ok(searches(current.stdout) > searches(plain.stdout), 'while the current world has the surge')
  const bad = await exportRun([...window, '--world', 'other'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /--world other: expected current or baseline/)
})
