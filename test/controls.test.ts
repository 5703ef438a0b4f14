/**
 * Protected controls: with an admin token every state-changing endpoint needs it, reads stay
 * public; without one nothing changes (the demo default). Control requests are rate limited per
 * client; the limiter's clock is the test's, so the test counts requests and never waits.
 */
import t, { type Test } from 'tap'
import { ApiError } from '@marketsim/shared-types'
import { EnvError, readEnv } from '../server/src/env.js'
import { build, schemaErrors } from './helpers.js'

const TOKEN = 'correct-horse-battery-staple'
const CONTROLS = [
  { url: '/api/simulation/scenario', payload: { scenarioId: 'exam-season-surge' } },
  { url: '/api/simulation/stop' },
  { url: '/api/simulation/reset' },
  { url: '/api/simulation/clock', payload: { speed: 10 } },
]
const READS = ['/api/health', '/api/streams', '/api/simulation/scenarios', '/api/simulation/state', '/api/simulation/clock', '/api/simulation/events?limit=5', '/docs/json']

/** What a control could change: the state (minus the moving time) and the clock speed. */
async function world(app: Awaited<ReturnType<typeof build>>) {
  const { currentSimulationTime: _, ...state } = (await app.inject('/api/simulation/state')).json()
  return { state, speed: (await app.inject('/api/simulation/clock')).json().speed }
}

t.test('with ADMIN_TOKEN, a control without the token or with a wrong one is a 401 that changes nothing', async (t) => {
  const app = await build(t, { controls: { adminToken: TOKEN } })
  const before = await world(app)
  for (const c of CONTROLS) {
    for (const [authorization, wrong] of [
      [undefined, false],
      ['Bearer wrong-token-of-some-length', true],
      [`Bearer ${TOKEN}x`, true],
      [`Bearer ${TOKEN.slice(0, -1)}`, true],
      [`Basic ${TOKEN}`, false],
      [TOKEN, false],
    ] as const) {
      const res = await app.inject({ method: 'POST', ...c, headers: authorization === undefined ? {} : { authorization } })
      t.equal(res.statusCode, 401, `${c.url} with ${authorization ?? 'no header'}`)
      t.same(schemaErrors(ApiError, res.json()), [])
      t.equal(res.json().error.code, 'UNAUTHORIZED')
      t.match(res.json().error.message, wrong ? /wrong/ : /needs the admin token/)
      t.equal(res.headers['www-authenticate'], wrong ? 'Bearer realm="marketsim", error="invalid_token"' : 'Bearer realm="marketsim"')
    }
  }
  t.same(await world(app), before, 'nothing changed')
})

t.test('with ADMIN_TOKEN, reads stay public and the right token drives every control', async (t) => {
  const app = await build(t, { controls: { adminToken: TOKEN } })
  for (const url of READS) t.equal((await app.inject(url)).statusCode, 200, `${url} needs no token`)
  const auth = { authorization: `bearer  ${TOKEN}` }
  const act = (url: string, payload?: object) => app.inject({ method: 'POST', url, headers: auth, ...(payload ? { payload } : {}) })
  t.equal((await act('/api/simulation/clock', { speed: 10 })).json().speed, 10, 'the scheme is case-insensitive')
  t.equal((await act('/api/simulation/scenario', { scenarioId: 'exam-season-surge' })).statusCode, 200)
  t.equal((await app.inject('/api/simulation/state')).json().baselineState, 'custom')
  t.equal((await act('/api/simulation/stop')).json().scenario.state, 'settling')
  t.equal((await act('/api/simulation/reset')).statusCode, 200)
  t.equal((await app.inject('/api/simulation/state')).json().baselineState, 'normal')
})

t.test('without ADMIN_TOKEN the controls are open and not rate limited: a script may loop them', async (t) => {
  const app = await build(t, { controls: { rateLimitPerMinute: 3 } })
  const res = await app.inject({ method: 'POST', url: '/api/simulation/clock', payload: { speed: 60 } })
  t.equal(res.statusCode, 200)
  t.equal(res.json().speed, 60)
  // Ten times the limit that would apply with a token, as an integration test loops them.
  const codes = new Set<number>()
  for (let i = 0; i < 10; i++) {
    codes.add((await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'exam-season-surge' } })).statusCode)
    codes.add((await app.inject({ method: 'POST', url: '/api/simulation/stop' })).statusCode)
    codes.add((await app.inject({ method: 'POST', url: '/api/simulation/reset' })).statusCode)
  }
  t.same([...codes], [200], 'every activate/stop/reset answered 200, none 429')
  t.notOk(res.headers['x-ratelimit-limit'], 'no limit is announced either')
})

t.test('the token is checked before the body: a caller without it learns nothing about the input', async (t) => {
  const app = await build(t, { controls: { adminToken: TOKEN } })
  const res = await app.inject({ method: 'POST', url: '/api/simulation/scenario', headers: { 'content-type': 'application/json' }, payload: '{not json' })
  t.equal(res.statusCode, 401)
})

const auth = { authorization: `Bearer ${TOKEN}` }

t.test('behind a proxy (trustProxy) each forwarded client has its own budget; without it the header is ignored', async (t) => {
  for (const trustProxy of [true, false]) {
    const app = await build(t, { trustProxy, controls: { adminToken: TOKEN, rateLimitPerMinute: 2 } })
    const from = (ip: string) => app.inject({ method: 'POST', url: '/api/simulation/clock', payload: { speed: 1 }, headers: { ...auth, 'x-forwarded-for': ip } })
    await from('203.0.113.1')
    await from('203.0.113.1')
    t.equal((await from('203.0.113.1')).statusCode, 429, 'the first client is over its budget')
    t.equal((await from('203.0.113.2')).statusCode, trustProxy ? 200 : 429, trustProxy ? 'another client is not' : 'a forged header buys nothing')
  }
})

/** Moves Date.now (the limiter's clock) forward by `ms` for the rest of the test: time travel, not waiting. */
function travel(t: Test, ms: number) {
  const real = Date.now
  const shifted = () => real() + ms
  Date.now = shifted
  t.teardown(() => {
    if (Date.now === shifted) Date.now = real
  })
}

t.test('with ADMIN_TOKEN, control requests past the limit are a 429 with Retry-After that changes nothing; the window passes', async (t) => {
  const app = await build(t, { controls: { adminToken: TOKEN, rateLimitPerMinute: 5 } })
  const speed = (s: number) => app.inject({ method: 'POST', url: '/api/simulation/clock', payload: { speed: s }, headers: auth })
  for (let i = 1; i <= 5; i++) {
    const ok = await speed(i)
    t.equal(ok.statusCode, 200, `request ${i} of 5`)
    t.equal(ok.headers['x-ratelimit-remaining'], String(5 - i), 'the allowance left is announced')
  }
  const refused = await speed(600)
  t.equal(refused.statusCode, 429)
  t.same(schemaErrors(ApiError, refused.json()), [])
  t.equal(refused.json().error.code, 'RATE_LIMITED')
  t.match(refused.json().error, { message: /^Too many control requests: try again in \d+ s$/, details: 'at most 5 per minute per client' })
  const retryAfter = Number(refused.headers['retry-after'])
  t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After within the minute's window (${retryAfter} s)`)
  t.match(refused.json().error.message, ` ${retryAfter} s`, 'the message and the header agree')
  t.equal((await app.inject('/api/simulation/clock')).json().speed, 5, 'the refused request changed nothing')
  t.equal((await app.inject({ method: 'POST', url: '/api/simulation/stop', headers: auth })).statusCode, 429, 'every control shares the budget')
  for (let i = 0; i < 50; i++) t.equal((await app.inject('/api/simulation/state')).statusCode, 200) // reads are not limited
  travel(t, retryAfter * 1000)
  t.equal((await speed(7)).statusCode, 200, 'after Retry-After the client may go on')
  t.equal((await app.inject('/api/simulation/clock')).json().speed, 7)
})

t.test('the limit counts wrong tokens too, so guessing is limited', async (t) => {
  const app = await build(t, { controls: { adminToken: TOKEN, rateLimitPerMinute: 3 } })
  const guess = () => app.inject({ method: 'POST', url: '/api/simulation/stop', headers: { authorization: 'Bearer guess-guess-guess-guess' } })
  for (let i = 0; i < 3; i++) t.equal((await guess()).statusCode, 401)
  t.equal((await guess()).statusCode, 429)
  t.equal((await app.inject({ method: 'POST', url: '/api/simulation/stop', headers: auth })).statusCode, 429, 'the right token waits too: the budget is the client\'s')
})

t.test('/docs/json declares the bearer scheme and the 401/429 answers of every control', async (t) => {
  const app = await build(t)
  const doc = (await app.inject('/docs/json')).json()
  t.match(doc.components.securitySchemes.adminToken, { type: 'http', scheme: 'bearer' })
  for (const c of CONTROLS) {
    const op = doc.paths[c.url].post
    t.same(op.security, [{ adminToken: [] }], `${c.url} names the scheme`)
    t.ok(op.responses['401'] && op.responses['429'], `${c.url} documents 401 and 429`)
  }
  t.notOk(doc.paths['/api/simulation/state'].get.security, 'reads name no scheme')
})

t.test('ADMIN_TOKEN and CONTROL_RATE_LIMIT are read and checked at boot, without echoing the token', async (t) => {
  t.equal(readEnv({}).app.controls?.adminToken, undefined, 'unset: open controls')
  t.equal(readEnv({ ADMIN_TOKEN: TOKEN }).app.controls?.adminToken, TOKEN)
  t.equal(readEnv({ CONTROL_RATE_LIMIT: '120' }).app.controls?.rateLimitPerMinute, 120)
  t.throws(() => readEnv({ ADMIN_TOKEN: '' }), new EnvError('ADMIN_TOKEN is set but empty: unset it to leave the controls open, or give a token of at least 16 characters'))
  t.throws(() => readEnv({ ADMIN_TOKEN: 'short-secret' }), new EnvError('ADMIN_TOKEN must be at least 16 characters (got 12); unset it to leave the controls open'))
  t.throws(() => readEnv({ ADMIN_TOKEN: 'sixteen chars with space' }), /ADMIN_TOKEN must not contain whitespace/)
  t.throws(() => readEnv({ ADMIN_TOKEN: `${TOKEN}\n` }), /ADMIN_TOKEN must not contain whitespace/)
  t.throws(() => readEnv({ ADMIN_TOKEN: 'pässwörd-pässwörd-1' }), /ADMIN_TOKEN must be printable ASCII/)
  for (const bad of ['0', '-1', 'lots', '1.5', '100001']) t.throws(() => readEnv({ CONTROL_RATE_LIMIT: bad }), new EnvError(`CONTROL_RATE_LIMIT=${bad}: expected an integer from 1 to 100000`))
  try {
    readEnv({ ADMIN_TOKEN: 'tiny' })
  } catch (e) {
    t.notMatch((e as Error).message, /tiny/, 'the message does not repeat the secret')
  }
})

t.test('buildApp refuses an unusable token or limit too (options checked at boot)', async (t) => {
  await t.rejects(build(t, { controls: { adminToken: 'short' } }), /admin token must be at least 16 characters/)
  await t.rejects(build(t, { controls: { rateLimitPerMinute: 0 } }), /perMinute must be a positive integer/)
})
