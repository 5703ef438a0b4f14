/**
 * The console explains itself, tested on its models without a DOM: the clock's distance from
 * live, heatmap counts that add up, and the scenario controls against a scripted API (refusals
 * said for the card pressed, Activate blocked with a reason, a reset over as soon as the state
 * shows it, stale notices gone).
 */
import t from 'tap'
import type { ClockState, ScenarioModifier, ScenarioSummary, SimulationState, StreamInfo } from '@marketsim/shared-types'
import { ApiCallError, type Api } from '../../admin-ui/src/api.js'
import { createClock } from '../../admin-ui/src/models/clock.js'
import { createHeatmap, summaryText } from '../../admin-ui/src/models/heatmap.js'
import { createScenarios, NORMAL_OPERATIONS } from '../../admin-ui/src/models/scenarios.js'

const T0 = Date.parse('2026-11-26T08:00:00Z')
const MIN = 60_000

const reading = (over: Partial<ClockState>): ClockState => ({
  currentSimulationTime: new Date(T0).toISOString(),
  speed: 1,
  paused: false,
  seed: 42,
  liveStartTime: '2026-11-26T08:00:00Z',
  historyStartTime: '2026-11-24T08:00:00Z',
  offsetMs: 0,
  live: true,
  ...over,
})

t.test('a clock that could be live says how far behind it is, and only then offers Go live', async (t) => {
  const clock = createClock()
  clock.sync(reading({}), 1000)
  t.equal(clock.gap.value, undefined, 'live at 1×: nothing to say')
  clock.realNow.value = 1000 + 10 * MIN
  t.equal(clock.gap.value, undefined, 'still live ten minutes later')

  clock.sync(reading({ speed: 0, paused: true }), 0)
  t.same(clock.gap.value, { text: 'behind live by 0 s', canGoLive: true }, 'paused: behind from the first moment')
  clock.realNow.value = 95 * MIN
  t.same(clock.gap.value, { text: 'behind live by 1 h 35 min', canGoLive: true }, 'and more so as the wall clock runs on')

  // Paused for a while, then 1× again: the distance stays.
  clock.sync(reading({ offsetMs: -3 * 86_400_000 - 2 * 3_600_000 }), 0)
  clock.realNow.value = 10 * MIN
  t.equal(clock.gap.value?.text, 'behind live by 3 d 2 h')

  // At 60× it runs ahead of the wall clock: the server would refuse live (it never goes back).
  clock.sync(reading({ speed: 60 }), 0)
  clock.realNow.value = 1000
  t.equal(clock.offsetMs.value, 59_000, 'one real second at 60× is 59 s ahead')
  t.match(clock.gap.value, { text: /^ahead of live by 59 s: pause until the wall clock catches up/, canGoLive: false })

  // A pulse taking the clock forward (another console pressed Go live) closes the gap.
  clock.sync(reading({ speed: 0, paused: true, offsetMs: -5 * MIN }), 0)
  clock.syncTime(new Date(T0 + 5 * MIN).toISOString(), 1, 0)
  t.equal(clock.gap.value, undefined, 'live again')

  const fixed = createClock()
  fixed.sync(reading({ live: false, speed: 0, paused: true, offsetMs: -86_400_000 }), 0)
  t.equal(fixed.gap.value, undefined, 'a fixed SIM_START cannot go live: nothing is offered')
})

t.test('the heatmap summary counts every stream once, so the parts add up to the whole', async (t) => {
  const heatmap = createHeatmap()
  const stream = (name: string) => ({ name, domain: 'customer' }) as StreamInfo
  heatmap.streams.value = ['a.x', 'a.y', 'a.z', 'a.w', 'a.v'].map(stream)
  t.equal(heatmap.summary.value, '5 streams: 0 flagged · 0 as expected · 5 not read yet')
  const p = (anomalyFlag: 'normal' | 'warning' | 'critical') => ({ normalized: 50, anomalyFlag, observed: 1, expected: 1 })
  // A pulse may carry a stream the catalog does not list (a newer server): it is not counted.
  heatmap.update('2026-11-26T08:00:00Z', { 'a.x': p('warning'), 'a.y': p('critical'), 'a.z': p('normal'), 'a.w': p('normal'), 'b.extra': p('critical') })
  const c = heatmap.counts.value
  t.equal(c.flagged + c.normal + c.unread, c.total, 'flagged + as expected + unread = all streams')
  t.equal(heatmap.summary.value, '5 streams: 2 flagged · 2 as expected · 1 not read yet')
  t.equal(summaryText({ total: 50, flagged: 2, normal: 48, unread: 0 }), '50 streams: 2 flagged · 48 as expected', 'not "2 flagged · 50 = …"')
})

/** A server as the scenario model sees it, scripted: each control answers when the test says so. */
function scriptedServer() {
  const catalog: ScenarioSummary[] = [
    { id: 'exam-season-surge', name: 'Exam Season Surge', description: '', duration: '3 hours', settlementDuration: '6 hours' },
    { id: 'payment-outage', name: 'Payment Gateway Outage', description: '', duration: '2 hours', settlementDuration: '2 hours' },
    { id: NORMAL_OPERATIONS, name: 'Normal Operations', description: '', duration: '0' },
  ]
  const modifier = (status: 'active' | 'settling'): ScenarioModifier => ({
    id: 'mod_001',
    type: 'exam-season-surge',
    description: 'Exam Season Surge',
    startTime: new Date(T0).toISOString(),
    duration: '3 hours',
    settlementDuration: '6 hours',
    settlementType: 'linear',
    affectedStreams: {},
    cascadeEffects: [],
    relatedEvents: [],
    status,
    lifecycleState: status,
    ...(status === 'settling' ? { settlementStartTime: new Date(T0 + 30 * MIN).toISOString() } : {}),
  })
  const world = {
    state: {
      baselineState: 'normal',
      activeModifiers: [],
      activeEvents: [],
      historicalMode: 'baseline',
      currentSimulationTime: new Date(T0).toISOString(),
      lastModified: new Date(T0).toISOString(),
    } as SimulationState,
  }
  const running = (status: 'active' | 'settling'): SimulationState => ({ ...world.state, baselineState: 'custom', activeModifiers: [modifier(status)], historicalMode: 'modified' })
  const baseline = (): SimulationState => ({ ...world.state, baselineState: 'normal', activeModifiers: [], historicalMode: 'baseline' })
  /** The reset's answer, held back until the test releases it (the server rebuilding its past). */
  let answerReset: (() => void) | undefined
  const api = {
    scenarios: async () => ({ scenarios: catalog }),
    state: async () => world.state,
    clock: async () => reading({ live: false }),
    activate: async (id: string, start?: string) => {
      if (start) throw new ApiCallError(400, 'INVALID_TIME_RANGE', 'startTime lies before the simulated history')
      if (world.state.activeModifiers.length > 0) throw new ApiCallError(409, 'SCENARIO_ALREADY_ACTIVE', 'exam-season-surge')
      world.state = running('active')
      return { success: true, scenario: modifier('active'), events: [], estimatedDuration: '3 hours' }
    },
    stop: async () => {
      world.state = running('settling')
      return { success: true, settlingUntil: new Date(T0 + 6.5 * 60 * MIN).toISOString(), scenario: { id: 'mod_001', state: 'settling' as const } }
    },
    reset: async () => {
      world.state = baseline()
      await new Promise<void>((r) => (answerReset = r))
      return { success: true, message: 'Simulation reset to baseline' }
    },
  } as unknown as Api
  return { api, world, baseline, running, releaseReset: () => answerReset?.() }
}

t.test('scenario controls: refusals by the card pressed, Activate blocked with a reason, a reset over when the state shows it', async (t) => {
  const server = scriptedServer()
  const clock = createClock()
  const scenarios = createScenarios(server.api, clock, () => 0)
  await scenarios.load()
  t.equal(scenarios.blockedFor('payment-outage'), undefined, 'nothing runs: every Activate is open')

  // A refusal is said for the card that was pressed, and only that one.
  t.equal(await scenarios.activate('payment-outage', 3), false)
  t.match(scenarios.outcome.value, { kind: 'error', action: 'activate:payment-outage', subject: 'Payment Gateway Outage' })
  t.match(scenarios.refusalFor('payment-outage'), /refused that start: startTime lies before the simulated history/)
  t.equal(scenarios.refusalFor('exam-season-surge'), undefined)

  // Running: the other cards say why they cannot start; normal operations (the reset) stays open.
  t.equal(await scenarios.activate('exam-season-surge'), true)
  t.equal(scenarios.refusalFor('payment-outage'), undefined, 'a new action clears the old refusal')
  t.equal(scenarios.blockedFor('payment-outage'), 'Exam Season Surge is running: stop it and let it settle, or reset, first.')
  t.match(scenarios.blockedFor('exam-season-surge'), /^Running now/)
  t.equal(scenarios.blockedFor(NORMAL_OPERATIONS), undefined)
  t.equal(scenarios.notice.value, 'Exam Season Surge is active.')

  t.equal(await scenarios.stop(), true)
  t.match(scenarios.notice.value, /^Stopped: settling until /)
  t.equal(scenarios.blockedFor('payment-outage'), 'Exam Season Surge is still settling: wait until it has settled, or reset, first.')

  // Reset: the "settling until" notice goes at once; the push of the baseline ends the wait,
  // although the answer to the reset has not come yet.
  const reset = scenarios.reset()
  t.equal(scenarios.busy.value, 'reset')
  t.equal(scenarios.notice.value, undefined, 'the old notice is gone as soon as Reset is pressed')
  scenarios.setState(server.baseline())
  t.equal(scenarios.running.value, undefined, 'the panel says no scenario')
  t.equal(scenarios.busy.value, undefined, 'and the buttons are free at the same moment')
  t.match(scenarios.notice.value, /^Reset/)
  t.equal(scenarios.blockedFor('payment-outage'), undefined)
  // A new action may start before the late answer; the answer does not free its buttons.
  const next = scenarios.activate('exam-season-surge')
  t.equal(scenarios.busy.value, 'activate:exam-season-surge')
  server.releaseReset()
  t.equal(await reset, true)
  t.equal(await next, true)
  t.equal(scenarios.busy.value, undefined)
  t.equal(scenarios.running.value?.phase, 'active')

  // A notice about a scenario goes when the scenario moves on (here: it settles elsewhere).
  t.equal(scenarios.notice.value, 'Exam Season Surge is active.')
  scenarios.setState(server.running('settling'))
  t.equal(scenarios.notice.value, undefined, 'no "is active" beside a settling scenario')
})
