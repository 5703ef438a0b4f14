import t from 'tap'
import { Type } from '@sinclair/typebox'
import { ApiError, ClockState, HistoryResponse, SimulationState, StreamEvent, type HistoryPoint } from '@marketsim/shared-types'
import { TEST_START, build, iso, liveApp, schemaErrors } from './helpers.js'

const HOUR = 3_600_000


t.test('GET /api/simulation/state answers the contract shape', async (t) => {
  const app = await liveApp(t)
  const res = await app.inject('/api/simulation/state')
  t.equal(res.statusCode, 200)
  t.same(schemaErrors(SimulationState, res.json()), [])
  t.match(res.json(), { baselineState: 'normal', activeModifiers: [], activeEvents: [], historicalMode: 'baseline', currentSimulationTime: '2026-11-26T08:10:00Z' })
})

t.test('GET /api/simulation/history: 12h points by default, inclusive aligned range, stats for the returned streams', async (t) => {
  const app = await liveApp(t)
  const res = await app.inject(`/api/simulation/history?start=${iso(TEST_START - 2 * 24 * HOUR)}&end=${iso(TEST_START)}`)
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same(schemaErrors(HistoryResponse, body), [])
  t.equal(Object.keys(body.streams).length, 50, 'all 50 streams by default')
  const points = body.streams['session.booking.requested']
  // 2026-11-24T08:00 … 2026-11-26T08:00 holds the 12h marks 24th 12:00, 25th 00:00, 25th 12:00, 26th 00:00.
  t.same(points.map((p: { timestamp: string }) => p.timestamp), ['2026-11-24T12:00:00Z', '2026-11-25T00:00:00Z', '2026-11-25T12:00:00Z', '2026-11-26T00:00:00Z'])
  t.ok(points.every((p: { value: number; normalized: number }) => p.value > 0 && p.normalized >= 0 && p.normalized <= 100))
  t.same(Object.keys(body.baselineStats).sort(), Object.keys(body.streams).sort())
  // Background events of the range, in time order, each inside it.
  t.ok(body.events.length >= 4, `${body.events.length} timeline events in two days (2-5 a day)`)
  t.ok(
    body.events.every((e: { timestamp: string }, i: number) => {
      const at = Date.parse(e.timestamp)
      return at >= TEST_START - 2 * 24 * HOUR && at <= TEST_START && (i === 0 || at >= Date.parse(body.events[i - 1].timestamp))
    }),
    'inside the range, in order',
  )

  const hourly = await app.inject(`/api/simulation/history?start=${iso(TEST_START - 6 * HOUR)}&end=${iso(TEST_START)}&streams=customer.tutor.search,platform.concurrent.users&interval=1h`)
  t.equal(hourly.statusCode, 200)
  t.same(Object.keys(hourly.json().streams), ['customer.tutor.search', 'platform.concurrent.users'])
  t.equal(hourly.json().streams['customer.tutor.search'].length, 7, 'both ends included')
  const level = hourly.json().streams['platform.concurrent.users'][0]
  t.ok(level.value >= 200 && level.value <= 5000, `a level stream reports its mean level (${level.value})`)
})

t.test('history up to now includes the live part, and an end in the future is cut at now', async (t) => {
  const app = await build(t, { simulation: { historyDays: 3 } })
  const live: StreamEvent[] = []
  app.simulation.sim.onLive((evs) => live.push(...evs))
  app.simulation.sim.advanceTo(TEST_START + 10 * 60_000)
  const res = await app.inject(`/api/simulation/history?start=${iso(TEST_START)}&end=${iso(TEST_START + 24 * HOUR)}&streams=customer.tutor.search&interval=5m`)
  t.equal(res.statusCode, 200)
  t.equal(res.json().timeRange.end, '2026-11-26T08:10:00Z')
  const first = live.filter((e) => e.stream === 'customer.tutor.search' && Date.parse(e.timestamp) < TEST_START + 5 * 60_000).length
  t.ok(first > 100)
  t.equal(res.json().streams['customer.tutor.search'][0].value, first, 'the first live bucket counts the events that were emitted')
})

t.test('a repeated history request follows the clock: the open point grows as the world moves', async (t) => {
  const app = await liveApp(t)
  const url = `/api/simulation/history?start=${iso(TEST_START)}&end=${iso(TEST_START + HOUR)}&streams=api.request.log&interval=1h`
  const first = (await app.inject(url)).json().streams['api.request.log'][0].value
  t.equal((await app.inject(url)).json().streams['api.request.log'][0].value, first, 'same instant, same answer')
  app.simulation.sim.advanceTo(TEST_START + 20 * 60_000)
  const later = (await app.inject(url)).json().streams['api.request.log'][0].value
  t.ok(later > first, `after ten more minutes: ${first} → ${later}`)
})

t.test('the bucket still filling is flagged partial and judged against the part of it that has elapsed', async (t) => {
  const app = await liveApp(t) // ten minutes into the 08:00 hour
  const hourly = async (end: number) => {
    const res = await app.inject(`/api/simulation/history?start=${iso(TEST_START - 6 * HOUR)}&end=${iso(end)}&interval=1h`)
    t.same(schemaErrors(HistoryResponse, res.json()), [])
    return res.json().streams as Record<string, HistoryPoint[]>
  }
  const open = await hourly(TEST_START + HOUR)
  const series = Object.values(open)
  t.ok(
    series.every((ps) => ps.at(-1)!.timestamp === '2026-11-26T08:00:00Z' && ps.at(-1)!.partial === true && ps.slice(0, -1).every((p) => !('partial' in p))),
    'on every stream exactly one point is partial, the last (the hour ten minutes in); complete hours carry no flag',
  )
  const search = open['customer.tutor.search']!
  t.ok(search.at(-1)!.value < search.at(-2)!.value / 2, `its value counts only what happened so far (${search.at(-1)!.value} after ten minutes, ${search.at(-2)!.value} the hour before)`)
  // Judged against a whole hour's expectation, a sixth of the hour's events would sit near 0.
  const normalized = series.map((ps) => ps.at(-1)!.normalized).sort((a, b) => a - b)
  const median = normalized[normalized.length >> 1]!
  t.ok(median >= 40 && median <= 60, `its normalized compares with the elapsed part's expectation: median ${median} over the streams`)
  t.ok(normalized.filter((v) => v <= 20).length <= 2, `not pulled down: lowest ${normalized.slice(0, 3).join(', ')}`)

  t.ok(Object.values(await hourly(TEST_START - HOUR)).every((ps) => ps.every((p) => !('partial' in p))), 'a range that ends in the past has no partial point')
  app.simulation.sim.advanceTo(TEST_START + HOUR)
  const done = (await hourly(TEST_START + HOUR))['customer.tutor.search']!
  const eight = done.find((p) => p.timestamp === '2026-11-26T08:00:00Z')!
  t.notOk('partial' in eight, 'once the hour is over it is complete')
  t.ok(eight.value > search.at(-1)!.value, 'and counts the whole hour')
  t.equal(done.at(-1)!.timestamp, '2026-11-26T09:00:00Z')
  t.equal(done.at(-1)!.partial, true, 'the hour that has just begun is the partial one')
})

t.test('bad history requests are 400 INVALID_TIME_RANGE / STREAM_NOT_FOUND and change nothing', async (t) => {
  const app = await liveApp(t)
  const before = (await app.inject('/api/simulation/state')).body
  const cases: Array<[string, string, RegExp]> = [
    ['?end=2026-11-25T00:00:00Z', 'INVALID_TIME_RANGE', /start/],
    ['?start=2026-11-25T00:00:00Z', 'INVALID_TIME_RANGE', /end/],
    ['?start=last%20week&end=2026-11-25T00:00:00Z', 'INVALID_TIME_RANGE', /Unparseable start/],
    ['?start=2026-11-25T00:00:00Z&end=2026-11-24T00:00:00Z', 'INVALID_TIME_RANGE', /after start/],
    ['?start=2026-11-25T00:00:00Z&end=2026-11-25T00:00:00Z', 'INVALID_TIME_RANGE', /after start/],
    ['?start=2026-10-01T00:00:00Z&end=2026-11-25T00:00:00Z', 'INVALID_TIME_RANGE', /before the simulated history/],
    ['?start=2026-12-01T00:00:00Z&end=2026-12-02T00:00:00Z', 'INVALID_TIME_RANGE', /after the current simulated time/],
    ['?start=2026-11-25T00:00:00Z&end=2026-11-26T00:00:00Z&interval=2h', 'INVALID_TIME_RANGE', /interval/],
    ['?start=2026-11-25T00:00:00Z&end=2026-11-26T00:00:00Z&streams=customer.tutor.search,custmer.login.success', 'STREAM_NOT_FOUND', /custmer\.login\.success/],
  ]
  for (const [query, code, message] of cases) {
    const res = await app.inject(`/api/simulation/history${query}`)
    t.equal(res.statusCode, 400, query)
    t.same(schemaErrors(ApiError, res.json()), [])
    t.equal(res.json().error.code, code, `${query} → ${code}`)
    t.match(`${res.json().error.message} ${res.json().error.details ?? ''}`, message)
  }
  t.equal((await app.inject('/api/simulation/state')).body, before, 'the state did not change')

  // 09:00 on the 16th to 08:00 on the 26th at 5 minutes: 2,869 points × 50 streams.
  const big = await build(t, { simulation: { historyDays: 10 } })
  const res = await big.inject('/api/simulation/history?start=2026-11-16T09:00:00Z&end=2026-11-26T08:00:00Z&interval=5m')
  t.equal(res.statusCode, 400)
  t.equal(res.json().error.code, 'INVALID_TIME_RANGE')
  t.match(res.json().error.message, /would return 143,450 points; the limit is 100,000/)
  const narrow = await big.inject('/api/simulation/history?start=2026-11-16T09:00:00Z&end=2026-11-26T08:00:00Z&interval=5m&streams=api.request.log')
  t.equal(narrow.statusCode, 200, 'one stream over the same range is fine')
})

t.test('GET /api/simulation/events: the latest events, oldest first, optionally of one stream', async (t) => {
  const app = await liveApp(t)
  const res = await app.inject('/api/simulation/events?limit=50')
  t.equal(res.statusCode, 200)
  const events = res.json().events as StreamEvent[]
  t.same(schemaErrors(Type.Object({ events: Type.Array(StreamEvent) }), res.json()), [])
  t.equal(events.length, 50)
  t.ok(events.every((e, i) => i === 0 || e.seq! === events[i - 1]!.seq! + 1), 'consecutive seq, oldest first')
  const all = (await app.inject('/api/simulation/events')).json().events as StreamEvent[]
  t.equal(all.length, 100, 'default limit 100')
  t.equal(all.at(-1)!.seq, events.at(-1)!.seq, 'both end at the newest event')
  const one = (await app.inject('/api/simulation/events?stream=session.booking.requested&limit=5')).json().events as StreamEvent[]
  t.equal(one.length, 5)
  t.ok(one.every((e) => e.stream === 'session.booking.requested' && e.data.request_id && e.normalizedValue !== undefined))

  const unknown = await app.inject('/api/simulation/events?stream=session.booking.requestd')
  t.equal(unknown.statusCode, 404)
  t.same(unknown.json().error, { code: 'STREAM_NOT_FOUND', message: 'Unknown stream: session.booking.requestd', details: 'session.booking.requestd' })
  for (const q of ['limit=0', 'limit=1001', 'limit=ten']) {
    const bad = await app.inject(`/api/simulation/events?${q}`)
    t.equal(bad.statusCode, 400, q)
    t.equal(bad.json().error.code, 'INVALID_REQUEST')
  }
})

t.test('the clock: read it, set its speed, refuse speeds out of range without changing anything', async (t) => {
  // The wall clock stands where the world is: the offset reads 0 until the speed changes.
  const wall = TEST_START + 10 * 60_000
  const app = await build(t, { simulation: { historyDays: 3, wallNow: () => wall } })
  app.simulation.sim.advanceTo(wall)
  const get = await app.inject('/api/simulation/clock')
  t.same(schemaErrors(ClockState, get.json()), [])
  // The seed and the two starts tell a client which world it is looking at (additive fields).
  t.same(get.json(), {
    currentSimulationTime: '2026-11-26T08:10:00.000Z',
    speed: 1,
    paused: false,
    seed: app.simulation.sim.options.seed,
    liveStartTime: '2026-11-26T08:00:00Z',
    historyStartTime: '2026-11-23T08:00:00Z',
    offsetMs: 0,
    // A fixed SIM_START: its clock does not belong to the wall clock.
    live: false,
  })
  const pause = await app.inject({ method: 'POST', url: '/api/simulation/clock', payload: { speed: 0 } })
  t.equal(pause.statusCode, 200)
  t.same(pause.json(), { ...get.json(), speed: 0, paused: true })
  const fast = await app.inject({ method: 'POST', url: '/api/simulation/clock', payload: { speed: 3600 } })
  t.equal(fast.json().speed, 3600)
  for (const body of [{ speed: -1 }, { speed: 3601 }, { speed: '60' }, {}, { speed: 10, extra: true }, { speed: 1, live: true }, { live: false }, { live: 'true' }]) {
    const res = await app.inject({ method: 'POST', url: '/api/simulation/clock', payload: body })
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.equal(res.json().error.code, 'INVALID_REQUEST')
  }
  const bad = await app.inject({ method: 'POST', url: '/api/simulation/clock', headers: { 'content-type': 'application/json' }, payload: '{"speed":' })
  t.equal(bad.json().error.code, 'INVALID_JSON')
  t.equal((await app.inject('/api/simulation/clock')).json().speed, 3600, 'rejected requests changed nothing')
})

t.test('the clock drives the world: speed × wall time, paused at 0', async (t) => {
  let real = 0
  // Real time stands still for the tick's work budget: however slow the machine, a tick catches up.
  const app = await build(t, { simulation: { historyDays: 1, wallNow: () => real, realNow: () => 0, speed: 60 } })
  real += 1000
  app.simulation.tick()
  t.equal(app.simulation.clockState().currentSimulationTime, '2026-11-26T08:01:00.000Z', 'one real second at 60× is a simulated minute')
  await app.inject({ method: 'POST', url: '/api/simulation/clock', payload: { speed: 0 } })
  real += 60_000
  app.simulation.tick()
  t.equal(app.simulation.clockState().currentSimulationTime, '2026-11-26T08:01:00.000Z', 'paused: nothing moves')
  await app.inject({ method: 'POST', url: '/api/simulation/clock', payload: { speed: 1 } })
  real += 5_000
  app.simulation.tick()
  t.equal(app.simulation.clockState().currentSimulationTime, '2026-11-26T08:01:05.000Z', 'resumed at real time')
})

t.test('simulation routes answer 503 NOT_READY until the history is built', async (t) => {
  const app = await build(t, { autoStart: false })
  for (const url of ['/api/simulation/state', '/api/simulation/events', '/api/simulation/clock', '/api/simulation/history?start=2026-11-25T00:00:00Z&end=2026-11-26T00:00:00Z']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 503, url)
    t.equal(res.json().error.code, 'NOT_READY')
  }
})
