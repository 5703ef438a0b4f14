/** The console's models without a DOM: formatting, the clock, the running scenario, the ground truth rows. */
import t from 'tap'
import type { GroundTruthEffect, ScenarioModifier } from '@marketsim/shared-types'
import { seriesOf } from '../../admin-ui/src/models/chart.js'
import { createClock } from '../../admin-ui/src/models/clock.js'
import { createFeed, FEED_SIZE } from '../../admin-ui/src/models/feed.js'
import { formatFactor, formatSpan } from '../../admin-ui/src/models/format.js'
import { cellColor } from '../../admin-ui/src/models/heatmap.js'
import { runningOf } from '../../admin-ui/src/models/scenarios.js'
import { factorAt, rowsOf } from '../../admin-ui/src/models/truth.js'

const H = 3_600_000
const T0 = Date.parse('2026-11-26T08:00:00Z')

t.test('spans and factors read as a presenter reads them', async (t) => {
  t.equal(formatSpan(95 * 60_000), '1 h 35 min')
  t.equal(formatSpan(2 * 86_400_000 + 3 * H + 59_000), '2 d 3 h')
  t.equal(formatSpan(0), '0 s')
  t.equal(formatFactor(1.6), '×1.6 (+60%)')
  t.equal(formatFactor(0.9), '×0.9 (−10%)')
})

t.test('the clock runs on between readings at its speed and never jitters backwards', async (t) => {
  const clock = createClock()
  clock.sync({ currentSimulationTime: '2026-11-26T08:00:00.000Z', speed: 60, paused: false, seed: 42, liveStartTime: '', historyStartTime: '', offsetMs: 0, live: false }, 1000)
  clock.realNow.value = 2000
  t.equal(clock.simNow.value, T0 + 60_000, 'one real second at 60× is a simulated minute')
  // A pulse a little behind the local estimate (it was sent earlier) does not pull the time back.
  clock.syncTime(new Date(T0 + 59_000).toISOString(), 60, 2000)
  t.equal(clock.simNow.value, T0 + 60_000)
  // One far off (the world was rebuilt or paused elsewhere) is taken as it is.
  clock.syncTime(new Date(T0 + 10 * H).toISOString(), 60, 2000)
  t.equal(clock.simNow.value, T0 + 10 * H)
  // A speed set from another console comes with the pulse.
  clock.syncTime(new Date(T0 + 10 * H).toISOString(), 600, 2000)
  clock.realNow.value = 3000
  t.equal(clock.simNow.value, T0 + 10 * H + 600_000)
  t.equal(clock.speed.value, 600)
  clock.sync({ currentSimulationTime: new Date(T0 + 10 * H + 600_000).toISOString(), speed: 0, paused: true, seed: 42, liveStartTime: '', historyStartTime: '', offsetMs: 0, live: false }, 3000)
  clock.realNow.value = 9000
  t.equal(clock.simNow.value, T0 + 10 * H + 600_000, 'paused: time stands')
  t.equal(clock.info.value?.seed, 42)
})

t.test('the clock says when the world runs slower than asked, and only then', async (t) => {
  const clock = createClock()
  clock.sync({ currentSimulationTime: '2026-11-26T08:00:00.000Z', speed: 600, paused: false, seed: 42, liveStartTime: '', historyStartTime: '', offsetMs: 0, live: false }, 0)
  t.equal(clock.behind.value, undefined, 'nothing measured yet')
  clock.pace.value = { effectiveSpeed: 590, lagMs: 0 }
  t.equal(clock.behind.value, undefined, 'keeping up')
  clock.pace.value = { effectiveSpeed: 152.4, lagMs: 900_000 }
  t.equal(clock.behind.value, 'running at 152× of 600×, 900 simulated s behind: the server is shedding load')
  clock.syncTime('2026-11-26T09:00:00.000Z', 0, 1000)
  t.equal(clock.behind.value, undefined, 'a paused clock is not behind')
})

const modifier = (over: Partial<ScenarioModifier>): ScenarioModifier => ({
  id: 'mod_001',
  type: 'exam-season-surge',
  description: 'Exam Season Surge',
  startTime: '2026-11-26T08:00:00Z',
  duration: '3 hours',
  settlementDuration: '6 hours',
  settlementType: 'linear',
  affectedStreams: {},
  cascadeEffects: [],
  relatedEvents: ['evt_exam'],
  status: 'active',
  ...over,
})

t.test('the running scenario: phase, progress and time left', async (t) => {
  const active = runningOf(modifier({}), 'Exam Season Surge', T0 + H)
  t.match(active, { phase: 'active', leftMs: 2 * H })
  t.equal(Math.round(active.progress * 100), 33)
  const settling = runningOf(modifier({ status: 'settling', lifecycleState: 'settling', settlementStartTime: '2026-11-26T09:00:00Z' }), 'x', T0 + 4 * H)
  t.match(settling, { phase: 'settling', progress: 0.5, leftMs: 3 * H })
  t.match(runningOf(modifier({ status: 'settled' }), 'x', T0), { phase: 'settled', progress: 1 })
  t.match(runningOf(modifier({ duration: undefined }), 'x', T0 + H), { phase: 'active', leftMs: undefined }, 'no duration: runs until stopped')
  // The console reads durations by the server's grammar (shared-types), which takes "3hours" too.
  t.match(runningOf(modifier({ duration: '3Hours' }), 'x', T0 + H), { phase: 'active', leftMs: 2 * H }, 'a duration written without its space is read as the server reads it')
  t.match(runningOf(modifier({ duration: 'a while' }), 'x', T0 + H), { phase: 'active', leftMs: undefined }, 'one that is not a duration has no end to show')
})

t.test('ground truth rows: the running scenario\'s effects with the factor applied now', async (t) => {
  const effect = (id: string, stream: string, cause: GroundTruthEffect['cause'], factors: number[]): GroundTruthEffect => ({
    id,
    stream,
    cause,
    mechanism: 'rate',
    declaredFactor: Math.max(...factors),
    onset: '2026-11-26T08:00:00Z',
    peak: { timestamp: '2026-11-26T08:00:00Z', factor: Math.max(...factors) },
    settleEnd: null,
    factors: factors.map((factor, i) => ({ timestamp: new Date(T0 + i * 900_000).toISOString(), factor, expectedRatio: factor })),
  })
  const effects = [
    effect('a', 'customer.tutor.search', { kind: 'scenario', id: 'mod_001', name: 'Exam', scenarioId: 'exam-season-surge' }, [1.6, 1.6, 1.6]),
    effect('b', 'support.ticket.created', { kind: 'cascade', id: 'r1', name: 'expired → tickets', scenarioId: 'exam-season-surge' }, [1, 1.1, 1.3]),
    effect('c', 'customer.signup.started', { kind: 'random-anomaly', id: 'an_1', name: 'Random anomaly' }, [1.2, 1.2, 1.2]),
  ]
  t.equal(factorAt(effects[1]!, T0 + 900_000 + 1), 1.1)
  t.equal(factorAt(effects[1]!, T0 - 1), 1, 'before the onset nothing is applied')
  const rows = rowsOf(effects, modifier({}), T0 + 2 * 900_000)
  t.same(rows.map((r) => [r.stream, r.now]), [['customer.tutor.search', 1.6], ['support.ticket.created', 1.3]], 'anomalies of other causes are not the scenario\'s')
  t.equal(rows[1]!.cause, 'cascade: expired → tickets')
  // A knock-on: a stream nothing names, moved downstream; its expected ratio is what there is to say.
  const knock: GroundTruthEffect = {
    ...effect('d', 'session.booking.expired', { kind: 'scenario', id: 'mod_001', name: 'Exam', scenarioId: 'exam-season-surge' }, [1, 1, 1]),
    mechanism: 'knock-on',
    factors: [0, 1, 2].map((i) => ({ timestamp: new Date(T0 + i * 900_000).toISOString(), factor: 1 + 0.2 * i, expectedRatio: 1 + 0.2 * i })),
  }
  const withKnock = rowsOf([...effects, knock], modifier({}), T0 + 2 * 900_000)
  t.match(withKnock.find((r) => r.stream === 'session.booking.expired'), { mechanism: 'knock-on', expected: 1.4 }, 'listed with its expected ratio now')
})

t.test('the feed keeps the newest events first, measures the rate, and can hold still', async (t) => {
  let now = 0
  const feed = createFeed(() => now)
  const ev = (seq: number) => ({ stream: 's', timestamp: '', data: {}, seq })
  feed.push([ev(1), ev(2)])
  now = 1000
  feed.push([ev(3)])
  t.same(feed.events.value.map((e) => e.seq), [3, 2, 1])
  t.equal(feed.rate.value, 3, '3 events over one second')
  feed.paused.value = true
  feed.push([ev(4)])
  t.equal(feed.events.value[0]!.seq, 3, 'held: the list stands still')
  t.equal(feed.total.value, 4, 'but nothing is lost from the count')
  feed.paused.value = false
  feed.push(Array.from({ length: 300 }, (_, i) => ev(10 + i)))
  t.equal(feed.events.value.length, FEED_SIZE)
  t.equal(feed.events.value[0]!.seq, 309)
})

t.test('cell colours: grey at the expected value, red above, blue below, saturated at critical', async (t) => {
  t.match(cellColor(50), /^hsl\(8 15% 34%\)$/)
  t.match(cellColor(85), /^hsl\(8 85% 48%\)$/)
  t.match(cellColor(15), /^hsl\(212 85% 48%\)$/)
  t.equal(cellColor(80), cellColor(100), 'beyond critical it cannot get redder')
  t.not(cellColor(undefined), cellColor(50), 'no reading is not the same as normal')
})

t.test('the chart leaves out the count of the hour in progress but keeps its normalized value', async (t) => {
  const points = [0, 1, 2].map((h) => ({ timestamp: new Date(T0 + h * H).toISOString(), value: 1000, normalized: 55, ...(h === 2 ? { partial: true } : {}) }))
  const s = seriesOf('customer.tutor.search', points, [])
  t.same(s.values, [1000, 1000, null], 'the hour the server flags partial: its count so far would read as a drop')
  t.same(s.normalized, [55, 55, 55])
  t.same(s.times, [T0 / 1000, T0 / 1000 + 3600, T0 / 1000 + 7200], 'seconds, as uPlot wants them')
})
