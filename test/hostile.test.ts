/**
 * Regressions for what the fuzz (fuzz.test.ts) found: answers that left the contract's
 * envelope, and a control that acted on input it did not understand.
 */
import t from 'tap'
import { ApiError } from '@marketsim/shared-types'
import { build, schemaErrors } from './helpers.js'

t.test('a malformed %-escape or an over-long parameter in the path is answered in the envelope', async (t) => {
  const app = await build(t)
  for (const [url, status] of [
    ['/api/streams/%E0%A4%A', 400],
    ['/api/streams/%', 400],
    ['/docs/%zz', 400],
    [`/api/streams/${'x'.repeat(300)}`, 404],
  ] as const) {
    const res = await app.inject(url)
    t.equal(res.statusCode, status, url.slice(0, 40))
    t.same(schemaErrors(ApiError, res.json()), [], 'the envelope, not Fastify\'s own shape')
  }
})

t.test('a plain GET on /ws (no upgrade) is a 426 in the envelope, not an empty 404', async (t) => {
  const app = await build(t)
  const res = await app.inject('/ws')
  t.equal(res.statusCode, 426)
  t.same(schemaErrors(ApiError, res.json()), [])
  t.match(res.json().error.message, /WebSocket endpoint/)
})

t.test('stop and reset refuse a body they do not understand, and change nothing', async (t) => {
  const app = await build(t)
  const before = (await app.inject('/api/simulation/state')).json().lastModified
  // `null` was a 500: the check took it for an object and asked for its keys.
  for (const payload of [null, { force: true }, [1, 2], 'reset please', 42]) {
    const res = await app.inject({ method: 'POST', url: '/api/simulation/reset', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) })
    t.equal(res.statusCode, 400, `reset with ${JSON.stringify(payload)}`)
    t.equal(res.json().error.code, 'INVALID_REQUEST')
    t.equal((await app.inject({ method: 'POST', url: '/api/simulation/stop', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) })).statusCode, 400)
  }
  t.equal((await app.inject('/api/simulation/state')).json().lastModified, before, 'a refused reset did not touch lastModified')
  // What clients send today still works: no body, or {}.
  t.equal((await app.inject({ method: 'POST', url: '/api/simulation/reset' })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/api/simulation/reset', payload: {} })).statusCode, 200)
})

t.test('normal-operations with a startTime no world holds is refused before it resets anything', async (t) => {
  const app = await build(t)
  t.equal((await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'exam-season-surge' } })).statusCode, 200)
  for (const startTime of ['9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z']) {
    const res = await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'normal-operations', startTime } })
    t.equal(res.statusCode, 400, startTime)
    t.equal(res.json().error.code, 'INVALID_TIME_RANGE')
  }
  t.equal((await app.inject('/api/simulation/state')).json().baselineState, 'custom', 'the running scenario was not reset')
})

t.test('a bare OPTIONS (no Origin, no requested method) is answered, not a text/plain 400', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'OPTIONS', url: '/api/simulation/state' })
  t.ok(res.statusCode < 300, `answered ${res.statusCode}`)
  t.equal(res.body, '')
})
