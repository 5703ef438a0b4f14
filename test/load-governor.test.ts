/**
 * Load shedding, driven by readings rather than a real overload: a saturated or late event
 * loop halves the tick's budget down to a floor, room lets it grow back, and the effective
 * speed is what the world really gained per real second.
 */
import t from 'tap'
import { Governor, MAX_BUDGET_MS, MIN_BUDGET_MS } from '../server/src/load/governor.js'
import { SpeedMeter } from '../server/src/load/meter.js'

t.test('a busy or late loop halves the budget to its floor; room grows it back', async (t) => {
  const g = new Governor()
  t.equal(g.budgetMs, MAX_BUDGET_MS)
  t.notOk(g.shedding, 'not shedding at rest')
  t.ok(g.observe({ utilization: 0.97, delayP99Ms: 40 }), 'a saturated loop sheds')
  t.equal(g.budgetMs, MAX_BUDGET_MS / 2)
  g.observe({ utilization: 0.5, delayP99Ms: 400 })
  t.equal(g.budgetMs, MAX_BUDGET_MS / 4, 'a late loop sheds even when not busy')
  for (let i = 0; i < 20; i++) g.observe({ utilization: 1, delayP99Ms: 900 })
  t.equal(g.budgetMs, MIN_BUDGET_MS, 'never below the floor: the world always moves')
  g.observe({ utilization: 0.8, delayP99Ms: 100 })
  t.equal(g.budgetMs, MIN_BUDGET_MS, 'between the thresholds it holds')
  for (let i = 0; i < 20; i++) g.observe({ utilization: 0.3, delayP99Ms: 10 })
  t.equal(g.budgetMs, MAX_BUDGET_MS, 'room brings it back to the full budget')
  t.notOk(g.shedding)
})

t.test('health hears of it only while shedding holds the world below its speed', async (t) => {
  const g = new Governor()
  t.equal(g.overload(600, 150), undefined, 'slow but not shedding: the machine, not the governor')
  g.observe({ utilization: 0.99, delayP99Ms: 300 })
  t.match(g.overload(600, 150), /runs at 150\.0× of the requested 600×.*99% busy, p99 delay 300 ms/, 'says how slow and why')
  t.equal(g.overload(600, 590), undefined, 'keeping up despite a smaller budget')
  t.equal(g.overload(0, 0), undefined, 'a paused clock is not overloaded')
  t.equal(g.overload(600, undefined), undefined, 'not yet measured')
})

t.test('the effective speed is the simulated time gained per real time over the last seconds', async (t) => {
  const m = new SpeedMeter()
  m.record(0, 0)
  m.record(500, 300_000)
  t.equal(m.speed(), undefined, 'not before a second has been seen')
  for (let real = 1000; real <= 10_000; real += 500) m.record(real, real * 600)
  t.equal(m.speed(), 600, 'a world keeping up at 600×')
  for (let real = 10_500; real <= 20_000; real += 500) m.record(real, 10_000 * 600 + (real - 10_000) * 150)
  t.equal(m.speed(), 150, 'falling behind shows within the window')
  m.reset()
  t.equal(m.speed(), undefined, 'a new pace starts unmeasured')
})
