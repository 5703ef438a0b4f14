/**
 * Cross-site presses (CSRF): a page on another site can make a browser send a "simple" POST
 * (text/plain, a form, or no body) without asking the server first. Controls take only
 * application/json, and a foreign Origin is refused unless CORS would have let it through.
 */
import http from 'node:http'
import type net from 'node:net'
import t, { type Test } from 'tap'
import { ApiError } from '@marketsim/shared-types'
import { build, schemaErrors } from './helpers.js'

type App = Awaited<ReturnType<typeof build>>

/** A POST from a real client over the loopback (fetch would not let a test set Origin). */
function post(port: number, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; json: { error?: { code: string } } & Record<string, unknown>; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text), headers: res.headers }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** What a press could have changed. */
async function world(app: App) {
  const s = (await app.inject('/api/simulation/state')).json()
  return { lastModified: s.lastModified, baselineState: s.baselineState, speed: (await app.inject('/api/simulation/clock')).json().speed, running: app.simulation.scenarios.runs.length }
}

async function listening(t: Test, corsOrigins?: '*' | string[]) {
  const app = await build(t, { corsOrigins })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  // A scenario runs, so a reset or a stop that got through would show.
  t.equal((await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'exam-season-surge' } })).statusCode, 200)
  return { app, port }
}

const EVIL = 'https://evil.example'
const SIMPLE: Array<[string, Record<string, string>, string | undefined]> = [
  ['text/plain with a JSON body', { 'content-type': 'text/plain', origin: EVIL }, '{}'],
  ['text/plain, empty', { 'content-type': 'text/plain;charset=UTF-8', origin: EVIL }, ''],
  ['a urlencoded form', { 'content-type': 'application/x-www-form-urlencoded', origin: EVIL }, 'a=1'],
  ['a multipart form', { 'content-type': 'multipart/form-data; boundary=x', origin: EVIL }, '--x--\r\n'],
  ['no body, no type (a no-cors fetch)', { origin: EVIL }, undefined],
  ['no body, Origin null (a sandboxed frame)', { origin: 'null' }, undefined],
]

t.test('a cross-site simple POST to any control is refused in the envelope and changes nothing (CORS_ORIGINS=*)', async (t) => {
  const { app, port } = await listening(t)
  const before = await world(app)
  for (const url of ['/api/simulation/reset', '/api/simulation/stop', '/api/simulation/clock', '/api/simulation/scenario']) {
    for (const [what, headers, body] of SIMPLE) {
      const res = await post(port, url, headers, body)
      t.equal(res.status, headers['content-type'] ? 415 : 403, `${url}, ${what}`)
      t.same(schemaErrors(ApiError, res.json), [], 'the envelope')
      t.equal(res.json.error!.code, headers['content-type'] ? 'UNSUPPORTED_MEDIA_TYPE' : 'ORIGIN_NOT_ALLOWED')
    }
  }
  t.same(await world(app), before, 'the scenario still runs, the clock is as it was')
})

t.test('the console and other clients keep working: same origin, no Origin at all, or JSON after a preflight', async (t) => {
  const { app, port } = await listening(t)
  const self = `http://127.0.0.1:${port}`
  // The console's page is served by this server: a body-less press from it carries its own origin.
  t.equal((await post(port, '/api/simulation/stop', { origin: self })).status, 200, 'same origin, no body')
  t.equal((await post(port, '/api/simulation/reset', { origin: self, 'content-type': 'application/json' }, '{}')).status, 200, 'same origin, {} as the console sends it')
  // curl and scripts send no Origin: not a browser, not a cross-site request.
  t.equal((await post(port, '/api/simulation/scenario', { 'content-type': 'application/json' }, '{"scenarioId":"exam-season-surge"}')).status, 200, 'no Origin, JSON')
  t.equal((await post(port, '/api/simulation/stop', {})).status, 200, 'no Origin, no body')
  // A browser sends JSON from another page only after a preflight, which `*` allows.
  const preflight = await app.inject({ method: 'OPTIONS', url: '/api/simulation/reset', headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } })
  t.equal(preflight.headers['access-control-allow-origin'], '*', 'the preflight is answered for any origin')
  t.equal((await post(port, '/api/simulation/reset', { origin: EVIL, 'content-type': 'application/json' })).status, 200, 'JSON from another origin, empty body: no input, like {}')
  t.equal((await world(app)).baselineState, 'normal', 'the reset was applied')
})

t.test('with CORS_ORIGINS listed, only those origins (and the server itself) may press controls', async (t) => {
  const allowed = 'https://dash.example'
  const { app, port } = await listening(t, [allowed])
  const before = await world(app)
  const json = { 'content-type': 'application/json' }
  const refused = await post(port, '/api/simulation/reset', { ...json, origin: EVIL }, '{}')
  t.equal(refused.status, 403, 'JSON from an unlisted origin: refused even though it is JSON')
  t.equal(refused.json.error!.code, 'ORIGIN_NOT_ALLOWED')
  const preflight = await app.inject({ method: 'OPTIONS', url: '/api/simulation/reset', headers: { origin: EVIL, 'access-control-request-method': 'POST' } })
  t.notOk(preflight.headers['access-control-allow-origin'], 'and a browser would not have sent it: the preflight names no origin')
  t.same(await world(app), before, 'nothing changed')
  t.equal((await post(port, '/api/simulation/stop', { origin: allowed })).status, 200, 'a listed origin, no body')
  t.equal((await post(port, '/api/simulation/reset', { ...json, origin: `http://127.0.0.1:${port}` }, '{}')).status, 200, 'the server\'s own page')
})

t.test('/docs/json documents the 403 and 415 of every control', async (t) => {
  const app = await build(t)
  const doc = (await app.inject('/docs/json')).json()
  for (const url of ['/api/simulation/reset', '/api/simulation/stop', '/api/simulation/clock', '/api/simulation/scenario']) {
    t.ok(doc.paths[url].post.responses['403'] && doc.paths[url].post.responses['415'], url)
  }
})
