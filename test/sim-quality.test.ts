/**
 * Data quality (task list, Phase 3.1): ratios inside their spec ranges, volume targets,
 * weekly and daily shape, honest normalization over the full 30-day history; and, on a
 * smaller world run live for nine days so every event is visible, causality by entity.
 */
import t from 'tap'
import type { StreamEvent } from '@marketsim/shared-types'
import { loadConfig } from '../server/src/config/load.js'
import { DEFAULT_CONFIG_DIR } from '../server/src/paths.js'
import { entityId } from '../server/src/sim/ids.js'
import { Simulation } from '../server/src/sim/simulation.js'
import { TEST_START, copyConfig, editJson } from './helpers.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

t.test('the 30-day history at full volume', async (t) => {
  const sim = new Simulation(loadConfig(DEFAULT_CONFIG_DIR), { seed: 42, startMs: TEST_START, historyDays: 30, background: false })
  sim.build()
  const model = sim.engine.model
  const cal = model.calendar
  const from = Math.ceil(sim.historyStartMs / DAY) * DAY
  const to = Math.floor(TEST_START / DAY) * DAY
  const total = (name: string) => sim.history(model.index.get(name)!, from, to, to - from)[0]!.value
  const days = sim.history(model.index.get('session.completed')!, from, to, DAY)

  t.test('each conversion ratio lies in its spec range', async (t) => {
    const ratio = (a: string, b: string) => total(a) / total(b)
    const checks: Array<[string, string, string, number, number]> = [
      ['signup started → completed', 'customer.signup.completed', 'customer.signup.started', 0.3, 0.5],
      ['search → booking requested', 'session.booking.requested', 'customer.tutor.search', 0.2, 0.4],
      ['requested → confirmed', 'session.booking.confirmed', 'session.booking.requested', 0.7, 0.8],
      ['requested → declined', 'session.booking.declined_by_tutor', 'session.booking.requested', 0.1, 0.2],
      ['requested → expired', 'session.booking.expired', 'session.booking.requested', 0.05, 0.1],
      ['completed → rating', 'session.rating.submitted_by_student', 'session.completed', 0.4, 0.6],
      ['confirmed → student no-show', 'session.no_show.student', 'session.booking.confirmed', 0.02, 0.05],
      ['confirmed → tutor no-show', 'session.no_show.tutor', 'session.booking.confirmed', 0.01, 0.02],
      ['confirmed → student cancellation', 'session.cancellation.by_student', 'session.booking.confirmed', 0.05, 0.1],
      ['ad click → conversion (application start)', 'marketing.ad.conversion', 'marketing.ad.click', 0.1, 0.3],
      ['application → approved', 'tutor.onboarding.approved', 'tutor.application.received', 0.2, 0.4],
      ['gateway attempt → payment failure (< 5%)', 'customer.subscription.payment_failure', 'payment_gateway.transaction.status', 0.02, 0.05],
    ]
    for (const [label, a, b, lo, hi] of checks) {
      const r = ratio(a, b)
      t.ok(r >= lo && r <= hi, `${label}: ${r.toFixed(3)} in [${lo}, ${hi}]`)
    }
    t.ok(total('customer.login.failure') / (total('customer.login.failure') + total('customer.login.success')) < 0.05, 'login failures < 5% of attempts')
    t.ok(total('session.completed') <= total('session.started'), 'completions never exceed starts')
    t.ok(total('session.started') <= total('session.booking.confirmed'), 'starts never exceed confirmations')
  })

  t.test('volume targets: about 24,000 completed sessions a baseline day (±15%)', async (t) => {
    // A baseline day is a weekday before season and growth: divide them out of each weekday.
    const weekdays = days.filter((p) => !cal.isWeekend(Date.parse(p.timestamp)))
    const perBaselineDay = weekdays.map((p) => p.value / cal.dayFactor(Date.parse(p.timestamp) + DAY / 2))
    const mean = perBaselineDay.reduce((a, b) => a + b, 0) / perBaselineDay.length
    t.ok(Math.abs(mean / 24_000 - 1) <= 0.15, `${Math.round(mean)} completions per baseline weekday`)
    const perTutor = mean / model.world.streams.volumeTargets.tutors
    t.ok(perTutor >= 2.5 && perTutor <= 3.5, `${perTutor.toFixed(2)} sessions per tutor per day (target 3)`)
  })

  t.test('weekends differ from weekdays and days have a clear cycle', async (t) => {
    const search = sim.history(model.index.get('customer.tutor.search')!, from, to, DAY)
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const weekend = avg(search.filter((p) => cal.isWeekend(Date.parse(p.timestamp))).map((p) => p.value / cal.dayFactor(Date.parse(p.timestamp))))
    const weekday = avg(search.filter((p) => !cal.isWeekend(Date.parse(p.timestamp))).map((p) => p.value / cal.dayFactor(Date.parse(p.timestamp))))
    t.ok(weekend / weekday >= 1.25 && weekend / weekday <= 1.5, `searches: weekend/weekday ${(weekend / weekday).toFixed(2)} (spec 1.30-1.50)`)

    const hourly = sim.history(model.index.get('customer.tutor.search')!, from, to, HOUR)
    const byHour = Array.from({ length: 24 }, (_, h) => avg(hourly.filter((p) => new Date(p.timestamp).getUTCHours() === h).map((p) => p.value)))
    const peak = avg(byHour.slice(8, 22))
    const night = avg(byHour.slice(0, 7))
    t.ok(peak / night > 5, `searches: peak hours ${Math.round(peak)}/h vs night ${Math.round(night)}/h`)
  })

  t.test('in pure baseline, normalized values sit mostly within 30-70 and under 1% are critical', async (t) => {
    for (const interval of [12 * HOUR, HOUR]) {
      let n = 0
      let inside = 0
      let critical = 0
      for (const s of model.streams) {
        for (const p of sim.history(s.idx, from, to, interval)) {
          n++
          if (p.normalized >= 30 && p.normalized <= 70) inside++
          if (p.normalized <= 20 || p.normalized >= 80) critical++
        }
      }
      t.ok(inside / n >= 0.9, `${interval / HOUR}h points: ${((inside / n) * 100).toFixed(1)}% within 30-70`)
      t.ok(critical / n < 0.01, `${interval / HOUR}h points: ${((critical / n) * 100).toFixed(2)}% critical`)
    }
  })

  t.test('baseline statistics describe the raw 12-hour points', async (t) => {
    const b = sim.baseline.get('session.booking.requested')!
    t.ok(b.min <= b.percentiles.p25 && b.percentiles.p25 <= b.median && b.median <= b.percentiles.p75 && b.percentiles.p95 <= b.max)
    t.ok(b.patterns.weekendAvg / b.patterns.weekdayAvg > 1.2, `weekend/weekday ${(b.patterns.weekendAvg / b.patterns.weekdayAvg).toFixed(2)}`)
    t.equal(b.patterns.seasonality, 'exam_season', 'late November is exam season')
    t.equal(sim.baseline.get('customer.tutor.search')!.patterns.trend, 'increasing', 'searches grow over the window (growth + the exam-season ramp)')
  })
})

/** A tenth of the world (a hundredth for the busiest leaf streams) but full support calls, run live. */
function smallWorld(t: Parameters<typeof copyConfig>[0]): string {
  const dir = copyConfig(t)
  editJson(dir, 'streams.json', (j) => {
    j.volumeTargets.students = 5000
    j.volumeTargets.tutors = 800
    const busy = new Set(['api.request.log', 'customer.page.view', 'marketing.ad.impression', 'customer.login.success', 'tutor.login.event', 'tutor.profile.viewed_by_student'])
    for (const s of j.streams) {
      if (s.name === 'support.call.inbound') continue
      s.eventsPerDay = s.eventsPerDay / (busy.has(s.name) ? 100 : 10)
    }
  })
  return dir
}

t.test('nine days of live events: every event names real entities, in causal order', async (t) => {
  const dir = smallWorld(t)
  const sim = new Simulation(loadConfig(dir), { seed: 5, startMs: TEST_START, historyDays: 1, background: false })
  sim.build()
  const tutorsAtStart = sim.engine.population.tutors
  const events: StreamEvent[] = []
  sim.onLive((evs) => {
    for (const e of evs) if (!['api.request.log', 'customer.page.view', 'marketing.ad.impression'].includes(e.stream)) events.push(e)
  })
  const END = TEST_START + 9 * DAY
  for (let at = TEST_START; at < END; ) sim.advanceTo((at += HOUR))
  const T = TEST_START
  const time = (e: StreamEvent) => Date.parse(e.timestamp)
  const of = (stream: string) => events.filter((e) => e.stream === stream)
  const d = (e: StreamEvent, k: string) => e.data[k] as string

  t.test('a request ends in exactly one outcome, after it and within its window', async (t) => {
    const requests = new Map(of('session.booking.requested').map((e) => [d(e, 'request_id'), e]))
    const outcomes = new Map<string, string>()
    let orphans = 0
    let late = 0
    let twice = 0
    for (const stream of ['session.booking.confirmed', 'session.booking.declined_by_tutor', 'session.booking.expired']) {
      for (const e of of(stream)) {
        const id = d(e, 'request_id')
        const req = requests.get(id)
        if (!req) {
          if (time(e) > T + DAY) orphans++ // only requests from before the live start may be unseen
          continue
        }
        if (outcomes.has(id)) twice++
        outcomes.set(id, stream)
        const lag = time(e) - time(req)
        if (lag < 0 || lag > DAY) late++
      }
    }
    t.equal(orphans, 0, 'no outcome names a request that never happened')
    t.equal(twice, 0, 'no request has two outcomes')
    t.equal(late, 0, 'every outcome comes 0-24 h after its request')
    const closed = [...requests.values()].filter((e) => time(e) < END - DAY)
    const share = (stream: string) => closed.filter((e) => outcomes.get(d(e, 'request_id')) === stream).length / closed.length
    const none = closed.filter((e) => !outcomes.has(d(e, 'request_id'))).length / closed.length
    t.ok(share('session.booking.confirmed') >= 0.7 && share('session.booking.confirmed') <= 0.8, `confirmed ${share('session.booking.confirmed').toFixed(3)}`)
    t.ok(share('session.booking.declined_by_tutor') >= 0.1 && share('session.booking.declined_by_tutor') <= 0.2, 'declined in 10-20%')
    t.ok(share('session.booking.expired') >= 0.05 && share('session.booking.expired') <= 0.1, 'expired in 5-10%')
    t.ok(none < 0.05, `withdrawn by the student: ${(none * 100).toFixed(1)}%`)
    t.ok(closed.length > 5000, `${closed.length} requests observed`)
  })

  t.test('a confirmed session starts, fails to or is cancelled once; completions follow starts', async (t) => {
    const confirmed = new Map(of('session.booking.confirmed').map((e) => [d(e, 'session_id'), e]))
    const fate = new Map<string, StreamEvent>()
    let orphans = 0
    let twice = 0
    let beforeConfirmation = 0
    for (const stream of ['session.started', 'session.no_show.student', 'session.no_show.tutor', 'session.cancellation.by_student', 'session.cancellation.by_tutor']) {
      for (const e of of(stream)) {
        const id = d(e, 'session_id')
        const c = confirmed.get(id)
        if (!c && time(e) > T + 8 * DAY) orphans++ // sessions booked before the live start lie within 8 days
        if (c && time(e) < time(c)) beforeConfirmation++
        if (fate.has(id)) twice++
        fate.set(id, e)
      }
    }
    t.equal(orphans, 0, 'no session event names a session that was never confirmed')
    t.equal(twice, 0, 'one fate per session')
    t.equal(beforeConfirmation, 0, 'nothing happens to a session before it is confirmed')
    const started = new Map(of('session.started').map((e) => [d(e, 'session_id'), e]))
    let unstarted = 0
    let badDuration = 0
    for (const e of of('session.completed')) {
      const s = started.get(d(e, 'session_id'))
      if (!s) {
        if (time(e) > T + 2 * HOUR) unstarted++
        continue
      }
      const minutes = (time(e) - time(s)) / 60_000
      if (minutes < 30 || minutes > 120 || Math.abs(minutes - (e.data.duration_minutes as number)) > 1) badDuration++
    }
    t.equal(unstarted, 0, 'every completion follows a start of the same session')
    t.equal(badDuration, 0, 'completions come 30-120 min after the start and report that duration')
    t.ok(of('session.completed').length <= of('session.started').length + 500, 'completions do not exceed starts')
    const completed = new Map(of('session.completed').map((e) => [d(e, 'session_id'), e]))
    let badRating = 0
    for (const e of of('session.rating.submitted_by_student')) {
      const c = completed.get(d(e, 'session_id'))
      if (c ? time(e) < time(c) || time(e) - time(c) > 48 * HOUR : time(e) > T + 50 * HOUR) badRating++
    }
    t.equal(badRating, 0, 'ratings follow their completion within 48 h')
  })

  t.test("a payout's session count is that tutor's completions in its week", async (t) => {
    const payDay = Date.parse('2026-12-04T00:00:00Z') // the Friday after a week wholly inside the run
    const perTutor = new Map<string, number>()
    for (const e of of('session.completed')) {
      if (time(e) >= payDay - 7 * DAY && time(e) < payDay) perTutor.set(d(e, 'tutor_id'), (perTutor.get(d(e, 'tutor_id')) ?? 0) + 1)
    }
    const payouts = of('tutor.payout.initiated').filter((e) => time(e) >= payDay && time(e) < payDay + DAY)
    t.ok(payouts.length > 100, `${payouts.length} payouts on ${new Date(payDay).toISOString().slice(0, 10)}`)
    t.equal(payouts.filter((e) => e.data.session_count !== perTutor.get(d(e, 'tutor_id'))).length, 0, 'every payout matches the ledger')
    t.equal(payouts.length, perTutor.size, 'every tutor with a completion is paid once')
  })

  t.test('tickets: updates and resolutions follow their ticket; billing tickets follow payment failures', async (t) => {
    const created = new Map(of('support.ticket.created').map((e) => [d(e, 'ticket_id'), e]))
    let bad = 0
    for (const e of of('support.ticket.resolved')) {
      const c = created.get(d(e, 'ticket_id'))
      if (!c) {
        if (time(e) > T + 25 * HOUR) bad++
        continue
      }
      const hours = (time(e) - time(c)) / HOUR
      if (hours < 1 || hours > 24 || Math.abs(hours - (e.data.resolution_time_hours as number)) > 0.06) bad++
    }
    for (const e of of('support.ticket.updated')) {
      const c = created.get(d(e, 'ticket_id'))
      if (c ? time(e) < time(c) : time(e) > T + 25 * HOUR) bad++
    }
    t.equal(bad, 0, 'every update and resolution belongs to an earlier ticket; resolution hours are true')
    const hours = of('support.ticket.resolved').map((e) => e.data.resolution_time_hours as number).sort((a, b) => a - b)
    const p50 = hours[Math.floor(hours.length / 2)]!
    t.ok(p50 >= 3 && p50 <= 5, `resolution p50 ${p50} h (spec 4)`)

    const failures = of('customer.subscription.payment_failure').filter((e) => time(e) < END - 6 * HOUR)
    const billing = of('support.ticket.created').filter((e) => e.data.category === 'billing')
    const followed = failures.filter((f) =>
      billing.some((b) => b.data.customer_id === f.data.user_id && time(b) - time(f) >= HOUR && time(b) - time(f) <= 6 * HOUR),
    ).length
    t.ok(followed / failures.length >= 0.15 && followed / failures.length <= 0.45, `${followed} of ${failures.length} payment failures led to a billing ticket 1-6 h later (spec 30%)`)
  })

  t.test('tutors are approved before their availability appears; repeat callers exist', async (t) => {
    // Tutors who existed when the live run began (the initial pool and those approved in history).
    const initial = new Set(Array.from({ length: tutorsAtStart }, (_, i) => entityId('tutor_', i, 5)))
    const approvedAt = new Map(of('tutor.onboarding.approved').map((e) => [d(e, 'tutor_id'), time(e)]))
    const bad = of('tutor.availability.set').filter((e) => {
      const tutor = d(e, 'tutor_id')
      return !initial.has(tutor) && !(approvedAt.has(tutor) && approvedAt.get(tutor)! <= time(e))
    })
    t.equal(bad.length, 0, 'availability only from existing or earlier-approved tutors')
    t.ok(of('tutor.availability.set').some((e) => approvedAt.has(d(e, 'tutor_id'))), 'newly approved tutors do publish availability')

    const calls = new Map<string, number[]>()
    for (const e of of('support.call.inbound')) {
      if (e.data.customer_id) calls.set(d(e, 'customer_id'), [...(calls.get(d(e, 'customer_id')) ?? []), time(e)])
    }
    const repeat = [...calls.values()].filter((ts) => ts.some((x, i) => i > 0 && x - ts[i - 1]! <= 14 * DAY)).length
    t.ok(repeat >= 10, `${repeat} customers called twice within 14 days (the churn-risk rule)`)
  })
})
