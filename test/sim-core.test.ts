/** The core's promises: determinism, independence from how the clock ticks, a seamless live start. */
import t from 'tap'
import type { StreamEvent } from '@marketsim/shared-types'
import { loadConfig } from '../server/src/config/load.js'
import { DEFAULT_CONFIG_DIR } from '../server/src/paths.js'
import { Simulation } from '../server/src/sim/simulation.js'
import { TEST_START } from './helpers.js'

const world = loadConfig(DEFAULT_CONFIG_DIR)
const MIN = 60_000

function run(seed: number, steps: number[]): { buckets: string; events: StreamEvent[] } {
  const sim = new Simulation(world, { seed, startMs: TEST_START, historyDays: 3 })
  sim.build()
  const events: StreamEvent[] = []
  let t = TEST_START
  for (const step of steps) events.push(...sim.advanceTo((t += step)))
  const buckets = sim.engine.buckets.series.map((s) => Array.from(s.counts.subarray(0, s.length)).join(',')).join('|')
  return { buckets, events }
}

const regular = Array.from({ length: 60 }, () => 10_000) // 10 minutes in 10-second ticks
const irregular = [1, 3_700, 61_000, 250, 9_999, 120_000, 33_333, 17, 170_000, 201_700] // also 10 minutes

t.test('the same seed and start give byte-identical history and live events', async (t) => {
  const a = run(7, regular)
  const b = run(7, regular)
  t.ok(a.events.length > 10_000, `a busy world (${a.events.length} events in 10 minutes)`)
  t.ok(a.buckets === b.buckets, 'history buckets are identical')
  t.ok(JSON.stringify(a.events) === JSON.stringify(b.events), 'live events are identical, payloads and all')
})

t.test('how the clock ticks does not change the world', async (t) => {
  t.equal(irregular.reduce((x, y) => x + y, 0), 10 * MIN)
  const a = run(7, regular)
  const b = run(7, irregular)
  t.equal(b.events.length, a.events.length)
  t.ok(JSON.stringify(a.events) === JSON.stringify(b.events), 'the same events, payloads and all')
})

t.test('another seed gives another world', async (t) => {
  const a = run(7, regular)
  const c = run(8, regular)
  t.ok(a.buckets !== c.buckets, 'different history')
  t.ok(JSON.stringify(a.events.slice(0, 100)) !== JSON.stringify(c.events.slice(0, 100)), 'different live events')
})

t.test('every live event carries seq, normalizedValue and anomalyFlag, in timeline order', async (t) => {
  const sim = new Simulation(world, { seed: 3, startMs: TEST_START, historyDays: 2 })
  sim.build()
  const heard: StreamEvent[] = []
  const off = sim.onLive((evs) => heard.push(...evs))
  const returned = sim.advanceTo(TEST_START + 5 * MIN)
  off()
  sim.advanceTo(TEST_START + 6 * MIN)
  t.same(heard, returned, 'listeners hear exactly what advanceTo returns, and stop when unsubscribed')
  let bad = 0
  for (let i = 0; i < returned.length; i++) {
    const e = returned[i]!
    if (e.seq !== i + 1 || typeof e.normalizedValue !== 'number' || !['normal', 'warning', 'critical'].includes(e.anomalyFlag!)) bad++
    if (i > 0 && Date.parse(e.timestamp) < Date.parse(returned[i - 1]!.timestamp)) bad++
  }
  t.equal(bad, 0, `${returned.length} events numbered 1…n, normalized, flagged and in time order`)
})

t.test('the live stream continues the history without a seam', async (t) => {
  const sim = new Simulation(world, { seed: 11, startMs: TEST_START, historyDays: 2, background: false })
  sim.build()
  const live = sim.advanceTo(TEST_START + 60 * MIN)
  // The history endpoint's view of the live hour is exactly what was emitted.
  const stream = 'customer.tutor.search'
  const emitted = live.filter((e) => e.stream === stream).length
  const points = sim.history(sim.engine.model.index.get(stream)!, TEST_START, TEST_START + 60 * MIN, 60 * MIN)
  t.equal(points[0]!.value, emitted, 'history of the live hour = live events of that hour')
  // The last history hour and the first live hour are both ordinary hours for high-volume streams.
  for (const name of ['customer.tutor.search', 'api.request.log', 'session.booking.requested', 'customer.login.success']) {
    const i = sim.engine.model.index.get(name)!
    const [before] = sim.history(i, TEST_START - 60 * MIN, TEST_START, 60 * MIN)
    const [after] = sim.history(i, TEST_START, TEST_START + 60 * MIN, 60 * MIN)
    t.ok(Math.abs(before!.normalized - 50) < 30 && Math.abs(after!.normalized - 50) < 30, `${name}: last history hour ${before!.normalized}, first live hour ${after!.normalized}`)
  }
})

t.test('one trajectory: a period counted as history equals the same period emitted live', async (t) => {
  const live = new Simulation(world, { seed: 21, startMs: TEST_START, historyDays: 2 })
  live.build()
  const emitted = live.advanceTo(TEST_START + 90 * MIN)
  const counted = new Simulation(world, { seed: 21, startMs: TEST_START, historyDays: 2 })
  counted.engine.emitFrom = TEST_START + 90 * MIN // the whole run is history
  counted.build()
  t.same(counted.advanceTo(TEST_START + 90 * MIN), [], 'nothing emitted')
  const series = (sim: Simulation) => sim.engine.buckets.series.map((s) => Array.from(s.counts.subarray(0, sim.engine.buckets.indexOf(TEST_START + 90 * MIN))).join(',')).join('|')
  t.ok(emitted.length > 10_000)
  t.ok(series(live) === series(counted), 'identical buckets, live period included')
  // And the world goes on identically: the next ten minutes, emitted by both, are the same events.
  counted.engine.emitFrom = TEST_START + 90 * MIN
  const a = live.advanceTo(TEST_START + 100 * MIN).map((e) => `${e.stream}@${e.timestamp}`)
  const b = counted.advanceTo(TEST_START + 100 * MIN).map((e) => `${e.stream}@${e.timestamp}`)
  t.equal(a.length, b.length)
  t.ok(a.join() === b.join(), 'the same next events')
})
