/**
 * Reads that could be made expensive on purpose: an unknown query parameter is a 400 on every
 * GET route (no cache-busting), the console sends none, and the kept correlations answer
 * exactly what a fresh computation answers as the world moves on.
 */
import t from 'tap'
import { createApi } from '../admin-ui/src/api.js'
import { CorrelationCache, correlations } from '../server/src/scenarios/correlations.js'
import { TEST_START, build, iso, liveApp } from './helpers.js'

t.test('an unknown query parameter is a 400 INVALID_REQUEST on every GET route; the same request without it is a 200', async (t) => {
  const app = await liveApp(t)
  const now = app.simulation.sim.now
  const range = `start=${iso(now - 3_600_000)}&end=${iso(now)}`
  // A valid request per route; a GET route missing here fails the test, so a new one gets checked too.
  const valid: Record<string, string> = {
    '/api/health': '',
    '/api/streams': 'domain=customer',
    '/api/streams/{name}': '',
    '/api/simulation/scenarios': '',
    '/api/simulation/state': '',
    '/api/simulation/history': `${range}&interval=5m&streams=customer.tutor.search`,
    '/api/simulation/events': 'limit=5',
    '/api/simulation/clock': '',
    '/api/simulation/ground-truth': range,
    '/api/simulation/correlations': 'stream=customer.tutor.search',
    '/api/detector/windows': `${range}&threshold=0.2`,
    '/api/detector/labels': `${range}&stream=customer.tutor.search&interval=15m`,
    '/metrics': '',
  }
  const doc = (await app.inject('/docs/json')).json() as { paths: Record<string, Record<string, unknown>> }
  const routes = [...Object.entries(doc.paths).filter(([, ops]) => 'get' in ops).map(([p]) => p), '/metrics']
  t.same(routes.filter((p) => !(p in valid)), [], 'every GET route of the API has a valid example here')
  for (const route of routes) {
    const base = route.replace('{name}', 'customer.tutor.search') + (valid[route] ? `?${valid[route]}` : '')
    const sep = base.includes('?') ? '&' : '?'
    t.equal((await app.inject(base)).statusCode, 200, `${base}: 200`)
    const bad = await app.inject(`${base}${sep}x=1`)
    t.equal(bad.statusCode, 400, `${route} ?x=1: 400`)
    t.match(bad.json(), { error: { code: 'INVALID_REQUEST', message: 'Unknown query parameter: x' } }, `${route}: in the envelope, naming it`)
  }
  const many = await app.inject(`/api/health?${Array.from({ length: 20 }, (_, i) => `p${i}=1`).join('&')}`)
  t.match(many.json().error, { message: 'Unknown query parameters: p0, p1, p2, p3, p4 and 15 more', details: 'this route takes no query parameters' })
  const misspelt = await app.inject('/api/simulation/correlations?steam=customer.tutor.search')
  t.match(misspelt.json().error, { code: 'INVALID_REQUEST', details: 'this route accepts: eventId, stream, startTime, endTime' }, 'a misspelt filter is named, with what is accepted')
})

t.test('the console sends no query parameter a route does not know', async (t) => {
  const app = await liveApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const urls: string[] = []
  const api = createApi({ fetch: (i, init) => (urls.push(String(i)), fetch(i, init)), base: `http://127.0.0.1:${port}` }, () => undefined)
  const now = app.simulation.sim.now
  await api.streams()
  await api.scenarios()
  await api.state()
  await api.clock()
  await api.history({ start: iso(now - 3_600_000), end: iso(now), streams: 'customer.tutor.search', interval: '5m' })
  await api.groundTruth(iso(now - 3_600_000), iso(now))
  t.equal(urls.length, 6, 'every read of the console answered 200 (a 400 would have thrown)')
})

t.test('kept correlations answer what a fresh computation answers, as the world moves and changes', async (t) => {
  const app = await build(t, { simulation: { historyDays: 3 } })
  const cache = new CorrelationCache()
  const sim = () => app.simulation.sim
  const filters = [{}, { stream: 'customer.tutor.search' }, { startTime: TEST_START - 86_400_000 }, { endTime: TEST_START - 86_400_000 }]
  const check = async (when: string) => {
    for (const f of filters) t.same(await cache.list(sim(), f), correlations(sim(), f), `${when}: ${JSON.stringify(f)}`)
  }
  await check('at the live start')
  t.ok(correlations(sim(), {}).length > 0, 'there is something to correlate')
  for (const [what, ms] of [['a minute later', 60_000], ['an hour later', 3_600_000], ['half a day later', 12 * 3_600_000]] as const) {
    sim().advanceTo(sim().now + ms)
    await check(what)
  }
  const act = await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'payment-outage' } })
  t.equal(act.statusCode, 200)
  sim().advanceTo(sim().now + 2 * 3_600_000)
  await check('two hours into a scenario')
  t.ok((await cache.list(sim(), { eventId: 'evt_stripe_outage' })).length > 0, 'the scenario’s event is correlated')
})
