import t from 'tap'
import { ActivateScenarioResponse, ApiError, CorrelationsResponse, GroundTruthResponse, SimulationState, StopResponse } from '@marketsim/shared-types'
import { TEST_START, build, iso, liveApp, schemaErrors } from './helpers.js'

const HOUR = 3_600_000


const post = (url: string, payload?: unknown) => ({ method: 'POST' as const, url, ...(payload === undefined ? {} : { payload: payload as object }) })

t.test('activate, watch the state, stop into settling, reset to baseline', async (t) => {
  const a = await liveApp(t)
  const res = await a.inject(post('/api/simulation/scenario', { scenarioId: 'supply-crisis' }))
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same(schemaErrors(ActivateScenarioResponse, body), [])
  t.match(body, { success: true, estimatedDuration: '4 hours', scenario: { id: 'mod_001', type: 'supply-crisis', status: 'active', startTime: '2026-11-26T08:10:00Z', settlementDuration: '8 hours' } })
  t.same(body.scenario.affectedStreams['tutor.availability.set'], { multiplier: 0.6 })
  t.same(body.events.map((e: { id: string }) => e.id), ['evt_tutors_vacation', 'evt_recruiting_dry'])
  t.ok(body.scenario.cascadeEffects.some((c: { sourceStream: string; targetStream: string }) => c.sourceStream === 'session.booking.expired' && c.targetStream === 'support.ticket.created'))

  const state = (await a.inject('/api/simulation/state')).json()
  t.same(schemaErrors(SimulationState, state), [])
  t.match(state, { baselineState: 'custom', historicalMode: 'modified', lastModified: '2026-11-26T08:10:00Z' })
  t.equal(state.activeModifiers[0].lifecycleState, 'active')
  t.same(state.activeEvents.map((e: { id: string }) => e.id), ['evt_tutors_vacation', 'evt_recruiting_dry'])

  a.simulation.sim.advanceTo(TEST_START + HOUR)
  const stop = await a.inject(post('/api/simulation/stop'))
  t.same(schemaErrors(StopResponse, stop.json()), [])
  t.same(stop.json(), { success: true, settlingUntil: '2026-11-26T17:00:00Z', scenario: { id: 'mod_001', state: 'settling' } })
  a.simulation.sim.advanceTo(TEST_START + 5 * HOUR)
  const settling = (await a.inject('/api/simulation/state')).json().activeModifiers[0]
  t.match(settling, { status: 'settling', lifecycleState: 'settling', settlementStartTime: '2026-11-26T09:00:00Z' })
  t.ok(settling.settlementProgress > 0.45 && settling.settlementProgress < 0.55, `halfway through settling: ${settling.settlementProgress}`)

  const reset = await a.inject(post('/api/simulation/reset'))
  t.same(reset.json(), { success: true, message: 'Simulation reset to baseline' })
  t.match((await a.inject('/api/simulation/state')).json(), { baselineState: 'normal', historicalMode: 'baseline', activeModifiers: [], activeEvents: [] })
  t.equal((await a.inject(post('/api/simulation/stop'))).json().error.code, 'NO_ACTIVE_SCENARIO', 'nothing left to stop')
})

t.test('a scenario settles by itself and the state returns to normal', async (t) => {
  const a = await liveApp(t)
  await a.inject(post('/api/simulation/scenario', { scenarioId: 'payment-outage' }))
  a.simulation.sim.advanceTo(TEST_START + 10 * 60_000 + 70 * 60_000)
  const events = (await a.inject('/api/simulation/state')).json().activeEvents.map((e: { id: string }) => e.id)
  t.same(events, ['evt_stripe_outage', 'evt_payment_maintenance'], 'the +1 hour event appears when its time comes')
  a.simulation.sim.advanceTo(TEST_START + 3 * HOUR)
  const state = (await a.inject('/api/simulation/state')).json()
  t.match(state, { baselineState: 'normal', activeModifiers: [], historicalMode: 'modified' }, 'immediate settling: normal after its 2 hours; history still shows it')
  const again = await a.inject(post('/api/simulation/scenario', { scenarioId: 'exam-season-surge' }))
  t.equal(again.statusCode, 200, 'a settled scenario does not block the next')
})

t.test('bad activations answer in the envelope and change nothing', async (t) => {
  const a = await liveApp(t)
  await a.inject(post('/api/simulation/scenario', { scenarioId: 'exam-season-surge' }))
  const before = (await a.inject('/api/simulation/state')).body
  const cases: Array<[unknown, number, string, RegExp]> = [
    [{ scenarioId: 'supply-crisis' }, 409, 'SCENARIO_ALREADY_ACTIVE', /active: exam-season-surge/],
    [{ scenarioId: 'black-friday' }, 404, 'SCENARIO_NOT_FOUND', /black-friday/],
    [{}, 400, 'INVALID_SCENARIO', /scenarioId/],
    [{ scenarioId: 42 }, 400, 'INVALID_SCENARIO', /scenarioId/],
    [{ scenarioId: '' }, 400, 'INVALID_SCENARIO', /scenarioId/],
    [{ scenarioId: 'exam-season-surge', startTime: 'yesterday' }, 400, 'INVALID_SCENARIO', /startTime/],
  ]
  for (const [payload, status, code, text] of cases) {
    const res = await a.inject(post('/api/simulation/scenario', payload))
    t.equal(res.statusCode, status, JSON.stringify(payload))
    t.same(schemaErrors(ApiError, res.json()), [])
    t.equal(res.json().error.code, code)
    t.match(`${res.json().error.message} ${res.json().error.details ?? ''}`, text)
  }
  const malformed = await a.inject({ method: 'POST', url: '/api/simulation/scenario', headers: { 'content-type': 'application/json' }, payload: '{"scenarioId":' })
  t.equal(malformed.json().error.code, 'INVALID_JSON')
  t.equal((await a.inject('/api/simulation/state')).body, before, 'the running scenario is untouched')

  const other = await liveApp(t)
  const future = await other.inject(post('/api/simulation/scenario', { scenarioId: 'exam-season-surge', startTime: iso(TEST_START + 24 * HOUR) }))
  t.equal(future.json().error.code, 'INVALID_TIME_RANGE', 'a start in the future is refused')
  const ancient = await other.inject(post('/api/simulation/scenario', { scenarioId: 'exam-season-surge', startTime: '2026-01-01T00:00:00Z' }))
  t.equal(ancient.json().error.code, 'INVALID_TIME_RANGE', 'a start before the history is refused')
  t.equal((await other.inject('/api/simulation/state')).json().baselineState, 'normal')
})

t.test('normal-operations acts as reset, even while a scenario runs', async (t) => {
  const a = await liveApp(t)
  await a.inject(post('/api/simulation/scenario', { scenarioId: 'quality-crisis' }))
  const res = await a.inject(post('/api/simulation/scenario', { scenarioId: 'normal-operations' }))
  t.equal(res.statusCode, 200)
  t.match(res.json(), { success: true, estimatedDuration: '0', scenario: { type: 'normal-operations', status: 'settled' } })
  t.match((await a.inject('/api/simulation/state')).json(), { baselineState: 'normal', historicalMode: 'baseline' })
})

t.test('backdating rewrites the past from its start; reset restores the baseline past; the live stream goes on', async (t) => {
  const a = await liveApp(t)
  const url = `/api/simulation/history?start=${iso(TEST_START - 48 * HOUR)}&end=${iso(TEST_START)}&streams=customer.tutor.search&interval=1h`
  const baseline = (await a.inject(url)).json().streams['customer.tutor.search'] as Array<{ timestamp: string; value: number }>
  const lastSeq = a.simulation.sim.recent.latest(1)[0]!.seq!
  const start = TEST_START - 30 * HOUR
  const res = await a.inject(post('/api/simulation/scenario', { scenarioId: 'exam-season-surge', startTime: iso(start) }))
  t.equal(res.statusCode, 200)
  t.equal(res.json().scenario.startTime, '2026-11-25T02:00:00Z')
  const state = (await a.inject('/api/simulation/state')).json()
  t.match(state, { historicalMode: 'modified', baselineState: 'normal', lastModified: '2026-11-26T08:10:00Z' }, 'settled long ago; the past is modified')
  const moved = (await a.inject(url)).json().streams['customer.tutor.search'] as Array<{ timestamp: string; value: number }>
  const before = (p: { timestamp: string }) => Date.parse(p.timestamp) + HOUR <= start
  t.same(moved.filter(before), baseline.filter(before), 'hours before the start are unchanged')
  const during = (pts: Array<{ timestamp: string; value: number }>) => pts.filter((p) => Date.parse(p.timestamp) >= start && Date.parse(p.timestamp) < start + 3 * HOUR).reduce((x, p) => x + p.value, 0)
  // ×1.6 declared; the hourly weather of the two worlds differs once they diverge, hence the margin.
  t.ok(during(moved) / during(baseline) > 1.2, `searches in the surge's 3 hours: ${during(baseline)} → ${during(moved)}`)

  const more = a.simulation.sim.advanceTo(TEST_START + 20 * 60_000)
  t.ok(more.length > 1000 && more[0]!.seq === lastSeq + 1, 'the live stream continues, numbering included')

  await a.inject(post('/api/simulation/reset'))
  const restored = (await a.inject(url)).json().streams['customer.tutor.search'] as typeof baseline
  const closed = (p: { timestamp: string }) => Date.parse(p.timestamp) + HOUR <= TEST_START
  t.same(restored.filter(closed), baseline.filter(closed), 'reset restores the baseline past, hour for hour')
})

t.test('ground truth lists what was applied; the data shows it with the declared sign', async (t) => {
  const a = await liveApp(t)
  await a.inject(post('/api/simulation/scenario', { scenarioId: 'payment-outage' }))
  a.simulation.sim.advanceTo(TEST_START + 4 * HOUR)
  const res = await a.inject(`/api/simulation/ground-truth?start=${iso(TEST_START)}&end=${iso(TEST_START + 4 * HOUR)}`)
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same(schemaErrors(GroundTruthResponse, body), [])
  const named = body.effects.filter((e: { cause: { kind: string } }) => e.cause.kind === 'scenario')
  // Streams it names, and, listed apart, the ones it moves downstream.
  const scenario = named.filter((e: { mechanism: string }) => e.mechanism !== 'knock-on')
  const knockOns = named.filter((e: { mechanism: string }) => e.mechanism === 'knock-on').map((e: { stream: string }) => e.stream)
  t.ok(knockOns.includes('customer.subscription.payment_success'), `knock-ons listed: ${knockOns.join(', ')}`)
  t.same(scenario.map((e: { stream: string }) => e.stream).sort(), [
    'customer.subscription.payment_failure',
    'customer.subscription.plan_changed',
    'payment_gateway.transaction.status',
    'support.ticket.created',
  ])
  const sim = a.simulation.sim
  for (const e of scenario) {
    t.equal(e.onset, '2026-11-26T08:10:00Z')
    t.equal(e.settleEnd, '2026-11-26T10:10:00Z', 'immediate settling at the end of the 2 hours')
    if (e.mechanism === 'outcome-share') continue
    const s = sim.engine.model.index.get(e.stream)!
    const a0 = Date.parse(e.onset)
    const a1 = Date.parse(e.settleEnd)
    const observed = sim.history(s, Math.ceil(a0 / 300_000) * 300_000, Math.floor(a1 / 300_000) * 300_000, Math.floor(a1 / 300_000) * 300_000 - Math.ceil(a0 / 300_000) * 300_000)[0]!.value
    const expected = sim.engine.expectation.expectedCount(s, a0, a1)
    t.ok(Math.sign(observed - expected) === Math.sign(e.declaredFactor - 1), `${e.stream}: declared ×${e.declaredFactor}, observed ${observed} vs expected ${expected.toFixed(0)}`)
  }
  const failures = sim.engine.model.index.get('customer.subscription.payment_failure')!
  const [p] = sim.history(failures, TEST_START + HOUR, TEST_START + 2 * HOUR, HOUR)
  t.ok(p!.normalized > 70, `payment failures are flagged in the history (${p!.normalized})`)

  const bad = await a.inject(`/api/simulation/ground-truth?start=${iso(TEST_START)}&end=${iso(TEST_START - HOUR)}`)
  t.equal(bad.json().error.code, 'INVALID_TIME_RANGE')
})

t.test('correlations: the outage event moves payment failures up and successes down', async (t) => {
  const a = await liveApp(t)
  await a.inject(post('/api/simulation/scenario', { scenarioId: 'payment-outage' }))
  a.simulation.sim.advanceTo(TEST_START + 3 * HOUR)
  const res = await a.inject('/api/simulation/correlations?eventId=evt_stripe_outage')
  t.equal(res.statusCode, 200)
  t.same(schemaErrors(CorrelationsResponse, res.json()), [])
  const by = new Map(res.json().correlations.map((c: { stream: string }) => [c.stream, c]))
  t.match(by.get('customer.subscription.payment_failure'), { direction: 'positive', eventId: 'evt_stripe_outage' })
  // Two hours of a stream of about one event per 15-minute point: a clear but noisy signal.
  const failures = by.get('customer.subscription.payment_failure') as { strength: number; confidence: number; changeMagnitude: number }
  t.ok(failures.strength > 0.2 && failures.changeMagnitude > 10, `payment failures: r ${failures.strength}, change ${failures.changeMagnitude}%`)
  t.ok((by.get('customer.subscription.payment_success') as { strength: number }).strength < -0.5, 'successes fall clearly')
  t.match(by.get('customer.subscription.payment_success'), { direction: 'negative' })
  const one = await a.inject('/api/simulation/correlations?stream=customer.subscription.payment_failure&eventId=evt_stripe_outage')
  t.equal(one.json().count, 1)
  t.equal((await a.inject('/api/simulation/correlations?stream=nope')).json().error.code, 'STREAM_NOT_FOUND')
})

t.test('ground truth of the background: events that moved streams and random anomalies show in the data with their sign', async (t) => {
  const a = await build(t, { simulation: { historyDays: 10 } })
  const sim = a.simulation.sim
  const from = TEST_START - 9 * 24 * HOUR
  const res = await a.inject(`/api/simulation/ground-truth?start=${iso(from)}&end=${iso(TEST_START)}`)
  const effects = res.json().effects as Array<{ id: string; stream: string; cause: { kind: string }; declaredFactor: number; onset: string; settleEnd: string }>
  const kinds = new Set(effects.map((e) => e.cause.kind))
  t.ok(kinds.has('background-event') && kinds.has('random-anomaly'), `kinds listed: ${[...kinds].join(', ')}`)
  let checked = 0
  let agreeing = 0
  for (const e of effects) {
    if (e.cause.kind !== 'background-event' && e.cause.kind !== 'random-anomaly') continue
    const s = sim.engine.model.index.get(e.stream)!
    const a0 = Date.parse(e.onset)
    const a1 = Date.parse(e.settleEnd)
    if (a0 < from || a1 > TEST_START) continue
    // Alone on its stream in its window, with enough events to see a 5% change.
    const others = effects.filter((o) => o !== e && o.stream === e.stream && Date.parse(o.onset) < a1 && Date.parse(o.settleEnd) > a0)
    const expected = sim.engine.expectation.expectedCount(s, a0, a1)
    const level = sim.engine.model.streams[s]!.def.measure === 'level'
    // An effect within 2.5 weather cvs of 1 can be hidden by the stream's own persistent deviation.
    const size = Math.abs(e.declaredFactor - 1)
    if (others.length > 0 || expected < 2000 || level || !sim.effects.isPrompt(s) || size < 0.1 || size < 2.5 * sim.weatherCv(s)) continue
    const observed = sim.history(s, a0, a1, a1 - a0)[0]!.value
    checked++
    if (Math.sign(observed - expected) === Math.sign(e.declaredFactor - 1)) agreeing++
    else t.comment(`${e.id} ${e.stream} declared ${e.declaredFactor} observed ${observed} expected ${expected.toFixed(0)}`)
  }
  t.ok(checked >= 8, `${checked} isolated effects of 10% or more on busy streams checked`)
  // Effects of 10% and more, and well beyond the stream's weather (cv 4.5-15%), which could hide a smaller one.
  t.ok(agreeing / checked >= 0.9, `${agreeing} of ${checked} show in the data with their sign`)
})
