import t from 'tap'
import { ApiError, DOMAINS, ScenarioListResponse, StreamCatalogResponse, StreamInfo } from '@marketsim/shared-types'
import { build, schemaErrors } from './helpers.js'

t.test('GET /api/streams lists the 50 streams in the shared schema', async (t) => {
  const app = await build(t)
  const res = await app.inject('/api/streams')
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same(schemaErrors(StreamCatalogResponse, body), [])
  t.equal(body.count, 50)
  t.equal(new Set(body.streams.map((s: StreamInfo) => s.name)).size, 50, 'names are unique')
  const search = body.streams.find((s: StreamInfo) => s.name === 'customer.tutor.search')
  t.equal(search.domain, 'customer')
  t.equal(search.cadence, 'medium')
  t.equal(search.baselineRatePerHour, +(search.eventsPerDay / 24).toFixed(3), 'hourly rate derives from the daily figure')
  t.ok(search.payloadFields.subject, 'payload field domains are listed')
  // Every domain is populated; seo.organic.traffic belongs to marketing, the five system streams to system.
  for (const d of DOMAINS) t.ok(body.streams.some((s: StreamInfo) => s.domain === d), `domain ${d} present`)
  t.equal(body.streams.find((s: StreamInfo) => s.name === 'seo.organic.traffic').domain, 'marketing')
  t.equal(body.streams.filter((s: StreamInfo) => s.domain === 'system').length, 5)
})

t.test('GET /api/streams?domain= filters, and a bad domain is a 400 in the envelope', async (t) => {
  const app = await build(t)
  const res = await app.inject('/api/streams?domain=support')
  t.equal(res.statusCode, 200)
  t.equal(res.json().count, 8)
  t.ok(res.json().streams.every((s: StreamInfo) => s.domain === 'support'))

  const bad = await app.inject('/api/streams?domain=finance')
  t.equal(bad.statusCode, 400)
  t.same(schemaErrors(ApiError, bad.json()), [])
  t.equal(bad.json().error.code, 'INVALID_REQUEST')
  t.match(bad.json().error.message, /querystring/)
})

t.test('GET /api/streams/:name answers one stream or STREAM_NOT_FOUND naming it', async (t) => {
  const app = await build(t)
  const ok = await app.inject('/api/streams/platform.concurrent.users')
  t.equal(ok.statusCode, 200)
  t.same(schemaErrors(StreamInfo, ok.json()), [])
  t.equal(ok.json().measure, 'level')

  const missing = await app.inject('/api/streams/customer.tutor.serch')
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), {
    error: { code: 'STREAM_NOT_FOUND', message: 'Unknown stream: customer.tutor.serch', details: 'customer.tutor.serch' },
  })
})

t.test('a scenario says when a factor shows where that is not while it runs', async (t) => {
  const app = await build(t)
  const list = (await app.inject('/api/simulation/scenarios')).json().scenarios as Array<{ id: string; affectedStreams: Record<string, { shows?: string }> }>
  const surge = list.find((s) => s.id === 'exam-season-surge')!.affectedStreams
  t.match(surge['session.booking.expired']!.shows, /decisions taken while it runs: shows 24 h later/, 'expirations: a day after the requests it bends')
  t.equal(surge['customer.tutor.search']!.shows, undefined, 'searches: while it runs, nothing to say')
  const recruiting = list.find((s) => s.id === 'recruiting-crisis')!.affectedStreams
  t.match(recruiting['tutor.onboarding.approved']!.shows, /7 days to 14 days later/, 'approvals: weeks after the applications')
  const state = await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'exam-season-surge' } })
  t.match(state.json().scenario.affectedStreams['session.booking.expired'], { multiplier: 1.8, shows: /24 h later/ }, 'the running scenario says it too')
})

t.test('GET /api/simulation/scenarios answers the 9 scenarios in the contract shape', async (t) => {
  const app = await build(t)
  const res = await app.inject('/api/simulation/scenarios')
  t.equal(res.statusCode, 200)
  t.same(schemaErrors(ScenarioListResponse, res.json()), [])
  const list = res.json().scenarios
  t.same(
    list.map((s: { id: string }) => s.id),
    [
      'exam-season-surge',
      'supply-crisis',
      'payment-outage',
      'quality-crisis',
      'support-overload',
      'churn-pattern',
      'recruiting-crisis',
      'competitor-disruption',
      'normal-operations',
    ],
  )
  const surge = list[0]
  t.equal(surge.duration, '3 hours')
  t.equal(surge.settlementDuration, '6 hours')
  t.equal(surge.category, 'demand-surge')
  t.same(surge.affectedStreams['customer.tutor.search'], { multiplier: 1.6 })
  const outage = list.find((s: { id: string }) => s.id === 'payment-outage')
  t.same(outage.affectedStreams['payment_gateway.transaction.status'], { override: 95 })
})

t.test('unknown routes, malformed JSON and oversized bodies answer in the envelope', async (t) => {
  const app = await build(t)
  const unknown = await app.inject('/api/nothing-here')
  t.equal(unknown.statusCode, 404)
  t.same(schemaErrors(ApiError, unknown.json()), [])
  t.equal(unknown.json().error.code, 'NOT_FOUND')

  const wrongMethod = await app.inject({ method: 'DELETE', url: '/api/streams' })
  t.equal(wrongMethod.statusCode, 404)
  t.equal(wrongMethod.json().error.code, 'NOT_FOUND')

  const malformed = await app.inject({
    method: 'POST',
    url: '/api/streams',
    headers: { 'content-type': 'application/json' },
    payload: '{"scenarioId": ',
  })
  t.equal(malformed.statusCode, 400)
  t.same(schemaErrors(ApiError, malformed.json()), [])
  t.equal(malformed.json().error.code, 'INVALID_JSON')

  const huge = await app.inject({
    method: 'POST',
    url: '/api/streams',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ pad: 'x'.repeat(100_000) }),
  })
  t.equal(huge.statusCode, 413)
  t.equal(huge.json().error.code, 'PAYLOAD_TOO_LARGE')
})

t.test('CORS allows any origin by default and only the listed ones when configured', async (t) => {
  const open = await build(t)
  const res = await open.inject({ url: '/api/streams', headers: { origin: 'https://dash.example' } })
  t.equal(res.headers['access-control-allow-origin'], '*')

  const closed = await build(t, { corsOrigins: ['https://dash.example'] })
  const allowed = await closed.inject({ url: '/api/streams', headers: { origin: 'https://dash.example' } })
  t.equal(allowed.headers['access-control-allow-origin'], 'https://dash.example')
  const other = await closed.inject({ url: '/api/streams', headers: { origin: 'https://evil.example' } })
  t.equal(other.headers['access-control-allow-origin'], undefined)
})
