/**
 * Scenarios measured in the data. Each scenario runs backdated inside the history (a re-run of
 * the past is the cheap, deterministic way to look at days of effects) in a test world with no
 * hourly noise and no background, so the measurement sees the mechanism, not the weather; and
 * its active phase lasts at least three days so rare streams have counts to measure.
 */
import t from 'tap'
import { loadConfig } from '../server/src/config/load.js'
import { newRun, settleEnd } from '../server/src/scenarios/lifecycle.js'
import { Simulation } from '../server/src/sim/simulation.js'
import { TEST_START, copyConfig, editJson } from './helpers.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

/**
 * Derived streams whose events come a while after the decision that bends them, as the range
 * [min, max] of that delay: measured from the phase start plus the longest delay (every event
 * then was decided inside the phase) to the phase end plus the shortest. Prompt streams (own
 * arrivals, or within 2 h of the cause) need no shift.
 */
const LAGS: Record<string, [number, number]> = {
  'session.booking.expired': [DAY, DAY], // exactly 24 h after the request
  'session.no_show.tutor': [15 * 60_000, 15 * 60_000], // decided at the scheduled time, declared 15 minutes later
  'session.rating.submitted_by_student': [0, 2 * DAY], // 0-48 h after the completion that decides it
  'support.ticket.resolved': [HOUR, DAY], // 1-24 h after the ticket that decides it
  'session.cancellation.by_tutor': [0, 9 * DAY], // decided at confirmation, 1-48 h before a session booked up to 8 days ahead
  'tutor.onboarding.approved': [7 * DAY, 14 * DAY], // 7-14 days after the application that decides it
}

/** An active phase long enough to hold a measurement window for every lagged stream it bends. */
function phaseFor(def: { affectedStreams: Record<string, unknown>; duration: string }): string {
  const longest = Math.max(0, ...Object.keys(def.affectedStreams).map((n) => LAGS[n]?.[1] ?? 0))
  const days = Math.max(3, Math.ceil(longest / DAY) + 3, def.duration === '0' ? 0 : Math.ceil(newRun('p', def as never, 0, 0).durationMs / DAY))
  return `${days} days`
}

function testWorld(t: Parameters<typeof copyConfig>[0]) {
  const dir = copyConfig(t)
  editJson(dir, 'streams.json', (j) => {
    for (const s of j.streams) s.cv = 0
  })
  const world = loadConfig(dir)
  for (const def of world.scenarios) {
    // Long enough to measure rare and lagged streams; the mechanism does not depend on the length.
    if (def.duration !== '0') def.duration = phaseFor(def)
  }
  return world
}

t.test('every scenario bends its affected streams by their declared factor (±20%)', async (t) => {
  const world = testWorld(t)
  for (const def of world.scenarios) {
    if (def.id === 'normal-operations') continue
    const run = newRun('mod_test', def, 0, 0)
    // Room after the phase for the longest shortest-lag (approvals: 7 days) inside the history.
    const start = TEST_START - run.durationMs - 8 * DAY
    run.startMs = run.knownAt = start
    const sim = new Simulation(world, { seed: 9, startMs: TEST_START, historyDays: run.durationMs / DAY + 10, background: false }, [run])
    sim.build()
    const model = sim.engine.model
    for (const [name, mod] of Object.entries(def.affectedStreams)) {
      const s = model.index.get(name)!
      const measurable = sim.effects.isPrompt(s) || LAGS[name] !== undefined
      t.ok(measurable || mod.multiplier === undefined, `${def.id}: ${name} is measured`)
      if (!measurable || mod.multiplier === undefined) continue
      const [minLag, maxLag] = LAGS[name] ?? [0, 0]
      // Full effect: every event in the window was decided inside the phase.
      const from = start + maxLag + 2 * HOUR
      const to = start + run.durationMs + minLag - 2 * HOUR
      const observed = sim.history(s, Math.ceil(from / HOUR) * HOUR, Math.floor(to / HOUR) * HOUR, Math.floor(to / HOUR) * HOUR - Math.ceil(from / HOUR) * HOUR)[0]!.value
      const expected = sim.engine.expectation.expectedCount(s, Math.ceil(from / HOUR) * HOUR, Math.floor(to / HOUR) * HOUR)
      const ratio = observed / expected
      t.ok(Math.abs(ratio / mod.multiplier - 1) <= 0.2, `${def.id}: ${name} ×${ratio.toFixed(2)} (declared ×${mod.multiplier})`)
    }
  }
})

t.test('payment outage: 95% of attempts fail, payment failures and billing tickets follow through the chains', async (t) => {
  const world = testWorld(t)
  const def = world.scenarios.find((s) => s.id === 'payment-outage')!
  const start = TEST_START - 8 * DAY
  const sim = new Simulation(world, { seed: 4, startMs: TEST_START, historyDays: 12, background: false }, [newRun('mod_test', def, start, start)])
  sim.build()
  const idx = (n: string) => sim.engine.model.index.get(n)!
  const during = (n: string, lag = 0) => {
    const a = start + lag + 3 * HOUR
    const b = start + lag + 2 * DAY
    return { observed: sim.history(idx(n), a, b, b - a)[0]!.value, expected: sim.engine.expectation.expectedCount(idx(n), a, b) }
  }
  const gateway = during('payment_gateway.transaction.status')
  t.ok(Math.abs(gateway.observed / gateway.expected - 1) < 0.1, 'the attempt rate is unchanged')
  const failures = during('customer.subscription.payment_failure')
  t.ok(Math.abs(failures.observed / failures.expected / 6 - 1) < 0.2, `payment failures ×${(failures.observed / failures.expected).toFixed(2)} (declared ×6)`)
  // Billing tickets arrive 1-6 h after failures: the ticket stream rises, and keeps rising for hours after the outage ends.
  const end = start + sim.effects.runs[0]!.run.durationMs
  const after = sim.history(idx('support.ticket.created'), end + HOUR, end + 5 * HOUR, 4 * HOUR)[0]!.value
  const afterExpected = sim.engine.expectation.expectedCount(idx('support.ticket.created'), end + HOUR, end + 5 * HOUR)
  t.ok(after / afterExpected > 1.1, `tickets still ×${(after / afterExpected).toFixed(2)} 1-5 h after the outage ended (billing tickets of its last failures)`)
  // And settle: once the longest follow-up delays (downgrades 24-72 h after a failure) have
  // passed, everything is back within its baseline band.
  const settled = settleEnd(sim.effects.runs[0]!.run)
  for (const s of sim.engine.model.streams) {
    const a = Math.ceil((settled + 3 * DAY) / (12 * HOUR)) * 12 * HOUR
    const [p] = sim.history(s.idx, a, a + 12 * HOUR, 12 * HOUR)
    // The band: |z| < 3.5, so fifty streams of pure counting noise pass together.
    t.ok(p!.normalized >= 15 && p!.normalized <= 85, `${s.name} settled (${p!.normalized})`)
  }
})

t.test('a backdated scenario leaves the past before it byte-identical and changes what follows', async (t) => {
  // The default world (hourly weather, background events) for the identical past; the
  // surge's size is measured without weather, where two worlds that diverged can be compared.
  const world = loadConfig(copyConfig(t))
  const def = world.scenarios.find((s) => s.id === 'exam-season-surge')!
  const base = new Simulation(world, { seed: 12, startMs: TEST_START, historyDays: 4 })
  base.build()
  const start = TEST_START - 2 * DAY + 7 * 60_000
  const moved = new Simulation(world, { seed: 12, startMs: TEST_START, historyDays: 4 }, [newRun('mod_001', def, start, start)])
  moved.build()
  const upTo = (sim: Simulation, until: number) =>
    sim.engine.buckets.series.map((s) => Array.from(s.counts.subarray(0, sim.engine.buckets.indexOf(until))).join(',')).join('|')
  const bucketStart = Math.floor(start / 300_000) * 300_000
  t.ok(upTo(base, bucketStart) === upTo(moved, bucketStart), 'every bucket before the start is identical')
  const calm = testWorld(t)
  const calmDef = calm.scenarios.find((s) => s.id === 'exam-season-surge')!
  const calmBase = new Simulation(calm, { seed: 12, startMs: TEST_START, historyDays: 4, background: false })
  calmBase.build()
  const calmMoved = new Simulation(calm, { seed: 12, startMs: TEST_START, historyDays: 4, background: false }, [newRun('mod_001', calmDef, start, start)])
  calmMoved.build()
  const search = base.engine.model.index.get('customer.tutor.search')!
  const [b] = calmBase.history(search, start - 7 * 60_000 + HOUR, start + 25 * HOUR, 24 * HOUR)
  const [m] = calmMoved.history(search, start - 7 * 60_000 + HOUR, start + 25 * HOUR, 24 * HOUR)
  t.ok(Math.abs(m!.value / b!.value / 1.6 - 1) < 0.1, `searches in the first day of the surge: ${b!.value} → ${m!.value} (×1.6 declared)`)
})

t.test('cascades fire from the actual trigger events, after their delay, and end with the surge', async (t) => {
  const world = testWorld(t)
  const def = world.scenarios.find((s) => s.id === 'supply-crisis')!
  def.duration = '4 hours' // as shipped: a short crisis
  const start = TEST_START - 5 * DAY
  const sim = new Simulation(world, { seed: 6, startMs: TEST_START, historyDays: 8, background: false }, [newRun('mod_test', def, start, start)])
  sim.build()
  const idx = (n: string) => sim.engine.model.index.get(n)!
  // The crisis raises expirations of requests made during it: they expire 24 h later.
  const expired = sim.history(idx('session.booking.expired'), start + DAY, start + DAY + 4 * HOUR, 4 * HOUR)[0]!.value
  const expiredExpected = sim.engine.expectation.expectedCount(idx('session.booking.expired'), start + DAY, start + DAY + 4 * HOUR)
  t.ok(expired / expiredExpected > 2, `expirations a day later ×${(expired / expiredExpected).toFixed(2)}`)
  // So the expired → ticket cascades lift tickets from an hour after that surge, and stop.
  const lifts = sim.effects.cascades.rules.filter((r) => r.target === idx('support.ticket.created') && r.trigger === idx('session.booking.expired'))
  t.ok(lifts.length >= 2, 'the global rule and the scenario rule')
  for (const r of lifts) {
    t.equal(sim.effects.cascades.lift(r, start + 12 * HOUR, start + 12 * HOUR), 1, `${r.id}: nothing before the expirations`)
    const during = Math.max(...[1, 2, 3, 4, 5].map((h) => sim.effects.cascades.lift(r, start + DAY + h * HOUR + HOUR, start + DAY + h * HOUR + HOUR)))
    t.ok(during > 1.1, `${r.id}: lifted to ×${during.toFixed(2)} hours after the expirations began (rule ×${r.multiplier})`)
    t.equal(sim.effects.cascades.lift(r, start + 3 * DAY, start + 3 * DAY), 1, `${r.id}: over two days later`)
  }
  const tickets = sim.history(idx('support.ticket.created'), start + DAY + 2 * HOUR, start + DAY + 8 * HOUR, 6 * HOUR)[0]!.value
  const ticketsExpected = sim.engine.expectation.expectedCount(idx('support.ticket.created'), start + DAY + 2 * HOUR, start + DAY + 8 * HOUR)
  t.ok(tickets / ticketsExpected > 1.15, `tickets ×${(tickets / ticketsExpected).toFixed(2)} while the cascades run`)
})

t.test('every scenario settles back to the baseline once its consequences have played out', async (t) => {
  const world = testWorld(t)
  const baselines = new Map<number, Simulation>()
  for (const def of world.scenarios) {
    if (def.id === 'normal-operations') continue
    const probe = newRun('probe', def, 0, 0)
    // Room for the active phase, settling (weeks for the slow ones) and ten days of aftermath.
    const days = Math.ceil((probe.durationMs + (probe.settleType === 'immediate' ? 0 : probe.settleMs)) / DAY) + 12
    const options = { seed: 13, startMs: TEST_START, historyDays: days + 2, background: false }
    let baseline = baselines.get(days)
    if (!baseline) {
      baseline = new Simulation(world, options)
      baseline.build()
      baselines.set(days, baseline)
    }
    const id = def.id
    const start = TEST_START - days * DAY
    const sim = new Simulation(world, options, [newRun('mod_test', def, start, start)])
    sim.build()
    // Sessions booked during a surge take place up to eight days later, their ratings two after.
    const after = Math.ceil((settleEnd(sim.effects.runs[0]!.run) + 10 * DAY) / (12 * HOUR)) * 12 * HOUR
    const off = sim.engine.model.streams.filter((s) => {
      const [p] = sim.history(s.idx, after, after + 12 * HOUR, 12 * HOUR)
      const [b] = baseline.history(s.idx, after, after + 12 * HOUR, 12 * HOUR)
      if (b!.value < 300) return false // too few events for a ±25% comparison
      return Math.abs(p!.value / b!.value - 1) > 0.25
    })
    t.same(off.map((s) => s.name), [], `${id}: every busy stream within 25% of the world without it`)
  }
})

t.test('additive and probabilityShift modifications, and events on streams the scenario leaves alone', async (t) => {
  const world = testWorld(t)
  const base = world.scenarios.find((s) => s.id === 'supply-crisis')!
  const custom = {
    ...base,
    id: 'custom-test',
    duration: '3 days',
    affectedStreams: {
      'support.call.inbound': { additive: 20, description: '+20 calls an hour' },
      'session.booking.requested': { probabilityShift: { 'session.booking.expired': 0.075 }, description: 'expiry share +7.5 points' },
    },
    cascadeEffects: [],
    // Keep only the event on streams this test does not measure otherwise.
    externalEvents: base.externalEvents.filter((e) => e.id === 'evt_recruiting_dry'),
  }
  const start = TEST_START - 6 * DAY
  const sim = new Simulation(world, { seed: 21, startMs: TEST_START, historyDays: 10, background: false }, [newRun('mod_test', custom, start, start)])
  sim.build()
  const idx = (n: string) => sim.engine.model.index.get(n)!
  const count = (n: string, a: number, b: number) => sim.history(idx(n), a, b, b - a)[0]!.value
  const expect = (n: string, a: number, b: number) => sim.engine.expectation.expectedCount(idx(n), a, b)
  const a = start + 2 * HOUR
  const b = start + 2 * DAY
  const extra = (count('support.call.inbound', a, b) - expect('support.call.inbound', a, b)) / ((b - a) / HOUR)
  t.ok(Math.abs(extra - 20) < 4, `additive: ${extra.toFixed(1)} extra calls an hour (declared +20)`)
  // Expiry share of requests made during the phase: 7.5% + 7.5 points = 15% (they expire a day later).
  const requests = count('session.booking.requested', a, b - DAY)
  const expired = count('session.booking.expired', a + DAY, b)
  t.ok(Math.abs(expired / requests - 0.15) < 0.02, `probabilityShift: expiry share ${(expired / requests).toFixed(3)} (declared 0.075 + 0.075)`)
  // The scenario's "recruiting pipeline dry" event (×0.75) applies to applications, which it does not modify itself.
  const apps = count('tutor.application.received', a, b) / expect('tutor.application.received', a, b)
  t.ok(Math.abs(apps / 0.75 - 1) < 0.2, `event impact on an unmodified stream: applications ×${apps.toFixed(2)} (medium decrease ×0.75)`)
})

t.test('settling follows its curve: linear, exponential, immediate', async (t) => {
  const world = testWorld(t)
  for (const [id, at, expected] of [
    ['exam-season-surge', 0.5, 1 + 0.6 * 0.5], // linear: half the deviation left halfway
    ['quality-crisis', 0.5, 1 + 3 * Math.exp(-1.5)], // exponential e^(-3p)
  ] as const) {
    const def = world.scenarios.find((s) => s.id === id)!
    const run = newRun('mod_test', def, TEST_START - 20 * DAY, TEST_START - 20 * DAY)
    const sim = new Simulation(world, { seed: 1, startMs: TEST_START, historyDays: 2, background: false }, [run])
    const stream = Object.entries(def.affectedStreams).find(([, m]) => m.multiplier !== undefined)!
    const i = sim.engine.model.index.get(stream[0])!
    const time = run.startMs + run.durationMs + at * run.settleMs
    t.ok(Math.abs(sim.effects.declared(i, time, time) - expected) < 1e-9, `${id}: ${stream[0]} ×${sim.effects.declared(i, time, time).toFixed(3)} at p=${at}`)
  }
  const outage = world.scenarios.find((s) => s.id === 'payment-outage')!
  const run = newRun('mod_test', outage, TEST_START - 20 * DAY, TEST_START - 20 * DAY)
  t.equal(settleEnd(run), run.startMs + run.durationMs, 'immediate: settled at the end of the active phase despite its 2-hour settlement duration')
})

t.test('the background: 2-5 events a day, about half of them moving their streams', async (t) => {
  const sim = new Simulation(loadConfig(copyConfig(t)), { seed: 42, startMs: TEST_START, historyDays: 30 })
  const bg = sim.background!
  const cal = sim.engine.model.calendar
  let events = 0
  let causal = 0
  for (let day = cal.localDay(TEST_START) - 30; day < cal.localDay(TEST_START); day++) {
    const d = bg.day(day)
    t.ok(d.events.length >= 2 && d.events.length <= 5, `day ${day}: ${d.events.length} events`)
    events += d.events.length
    causal += new Set(d.impacts.map((i) => i.cause.id)).size
    for (const e of d.events) t.match(e.id, /^baseline_[a-z0-9_]+_\d+_\d+$/)
  }
  t.ok(causal / events > 0.35 && causal / events < 0.65, `${causal} of ${events} background events move streams`)
})
