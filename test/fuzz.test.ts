/**
 * Hostile input: a seeded stream of bad requests to every route and bad frames to /ws. Every
 * answer must be a 4xx in the envelope (or, for a harmless read, an ordinary answer) or a WS
 * `error`; never a 5xx, never a dropped server, and the world must be exactly as before.
 * FUZZ_SEED picks another stream of cases; the default keeps CI reproducible.
 */
import net from 'node:net'
import t from 'tap'
import WebSocket from 'ws'
import { ApiError } from '@marketsim/shared-types'
import { build, schemaErrors } from './helpers.js'
import { mulberry32 } from './fuzz/gen.js'
import { CONTROLS, httpCases } from './fuzz/http.js'
import { frames } from './fuzz/frames.js'

const SEED = Number(process.env.FUZZ_SEED ?? 7)
const HTTP_CASES = 1500
const WS_FRAMES = 500
const TOKEN = 'fuzz-admin-token-0123456789'

type App = Awaited<ReturnType<typeof build>>

/** Everything a request could have changed: state (minus the moving time), clock, a past window of history. */
async function snapshot(app: App) {
  const { currentSimulationTime: _s, ...state } = (await app.inject('/api/simulation/state')).json()
  const { currentSimulationTime: _c, ...clock } = (await app.inject('/api/simulation/clock')).json()
  const history = (await app.inject('/api/simulation/history?start=2026-11-25T12:00:00Z&end=2026-11-26T06:00:00Z&interval=1h')).body
  return { state, clock, history, running: app.simulation.scenarios.runs.length }
}

const tally = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1)
const show = (m: Map<string, number>) => [...m].sort().map(([k, v]) => `${k}: ${v}`).join(', ')

t.test(`${HTTP_CASES} bad requests to every route: 4xx in the envelope, never a 5xx, nothing changed (seed ${SEED})`, async (t) => {
  // The limit is lifted so the requests reach validation rather than the rate limiter.
  const app = await build(t, { controls: { rateLimitPerMinute: 100_000 } })
  const before = await snapshot(app)
  const ids = app.scenarios.summaries.map((s) => s.id)
  const byStatus = new Map<string, number>()
  const failures: string[] = []
  for (const [i, c] of httpCases(mulberry32(SEED), HTTP_CASES, ids).entries()) {
    const res = await app.inject(c.request)
    const s = res.statusCode
    tally(byStatus, String(s))
    const where = `#${i} ${c.kind} ${String(c.request.url).slice(0, 80)} → ${s}`
    if (s >= 500) failures.push(`${where}: ${res.body.slice(0, 200)}`)
    else if (s >= 400 && (res.body !== '' || c.request.method !== 'HEAD') && schemaErrors(ApiError, safeJson(res.body)).length > 0) failures.push(`${where}: not the envelope: ${res.body.slice(0, 200)}`)
    else if (c.expect === 'refuse' && s < 400) failures.push(`${where}: should have been refused`)
    else if (/root:x:0:0|"workspaces"|\[boot loader\]/.test(res.body)) failures.push(`${where}: leaked a file`)
  }
  t.comment(`HTTP: ${HTTP_CASES} requests, by status: ${show(byStatus)}`)
  t.same(failures, [], 'every answer is in the contract')
  t.same(await snapshot(app), before, 'state, clock and history are as before')
  t.equal((await app.inject('/api/health')).statusCode, 200, 'the server still answers')
})

t.test('with ADMIN_TOKEN, garbage credentials on every control are 401 and change nothing', async (t) => {
  const app = await build(t, { controls: { adminToken: TOKEN, rateLimitPerMinute: 100_000 } })
  const before = await snapshot(app)
  const r = mulberry32(SEED + 1)
  const junk = [
    '', 'Bearer', 'Bearer ', 'bearer\t' + TOKEN, `Bearer ${TOKEN} extra`, `Bearer ${TOKEN.toUpperCase()}`, `Bearer ${TOKEN.slice(1)}`, `Bearer ${TOKEN}\u0000`,
    `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`, `Bearer ${'x'.repeat(10_000)}`, 'Bearer 🙂🙂🙂', 'Bearer \u202e' + TOKEN, `${TOKEN}`, 'Bearer null', 'Digest x',
  ]
  let n = 0
  const byStatus = new Map<string, number>()
  for (let i = 0; i < 120; i++) {
    const authorization = i < junk.length ? junk[i]! : `Bearer ${Buffer.from(Array.from({ length: 1 + Math.floor(r() * 60) }, () => 33 + Math.floor(r() * 94))).toString('latin1')}`
    const url = CONTROLS[i % CONTROLS.length]!
    const res = await app.inject({ method: 'POST', url, headers: { authorization }, payload: url.endsWith('clock') ? { speed: 10 } : url.endsWith('scenario') ? { scenarioId: 'exam-season-surge' } : {} })
    n++
    tally(byStatus, String(res.statusCode))
    if (res.statusCode !== 401 || res.json().error.code !== 'UNAUTHORIZED' || !/^Bearer/.test(String(res.headers['www-authenticate'])))
      t.fail(`${JSON.stringify(authorization).slice(0, 60)} on ${url} → ${res.statusCode} ${res.body.slice(0, 120)}`)
  }
  t.comment(`auth: ${n} requests with bad credentials, by status: ${show(byStatus)}`)
  t.same(await snapshot(app), before, 'nothing changed')
})

t.test(`${WS_FRAMES} bad frames on one socket: each answered with an error, the socket stays usable`, async (t) => {
  const app = await build(t, { websocket: { pingIntervalMs: 3_600_000 } })
  const before = await snapshot(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
  t.teardown(() => ws.terminate())
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  const inbox: Array<{ type: string; code?: string }> = []
  let wake: (() => void) | undefined
  ws.on('message', (d) => {
    inbox.push(JSON.parse(String(d)))
    wake?.()
  })
  let closed: number | undefined
  ws.on('close', (code) => {
    closed = code
    wake?.()
  })
  /** The next message, or undefined if the socket closed first (no timer: the test's own timeout guards a hang). */
  const next = async () => {
    while (inbox.length === 0 && closed === undefined) await new Promise<void>((r) => (wake = r))
    return inbox.shift()
  }
  const byCode = new Map<string, number>()
  const failures: string[] = []
  for (const [i, f] of frames(mulberry32(SEED + 2), WS_FRAMES).entries()) {
    ws.send(f.data, { binary: f.binary })
    const m = await next()
    if (!m) {
      failures.push(`#${i} ${f.kind}: the socket closed (${closed})`)
      break
    }
    tally(byCode, m.type === 'error' ? m.code! : `not an error: ${m.type}`)
    if (m.type !== 'error') failures.push(`#${i} ${f.kind}: answered ${m.type}`)
  }
  t.comment(`WS: ${WS_FRAMES} frames, answers by code: ${show(byCode)}`)
  t.same(failures, [], 'every bad frame got an error and the socket stayed open')
  ws.send(JSON.stringify({ type: 'subscribe', topics: ['customer.*'] }))
  t.same(await next(), { type: 'subscribed', topics: ['customer.*'] }, 'a valid subscribe afterwards works')
  t.same(await snapshot(app), before, 'nothing changed')
})

t.test('frames the WebSocket protocol itself forbids close that socket only (RFC 6455), the server carries on', async (t) => {
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  const closeCode = async (data: Buffer, binary: boolean) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
    t.teardown(() => ws.terminate())
    await new Promise((resolve) => ws.once('open', resolve))
    const code = new Promise<number>((resolve) => ws.once('close', resolve))
    ws.send(data, { binary })
    return code
  }
  t.equal(await closeCode(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false), 1007, 'a text frame that is not UTF-8: 1007')
  t.equal(await closeCode(Buffer.alloc(1024 * 1024 + 1, 0x20), false), 1009, 'a frame over the 1 MB transport limit: 1009')
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
  t.teardown(() => ws.terminate())
  await new Promise((resolve) => ws.once('open', resolve))
  const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))))
  ws.send(JSON.stringify({ type: 'subscribe', topics: ['anomalies'] }))
  t.same(JSON.parse(await reply), { type: 'subscribed', topics: ['anomalies'] }, 'a new connection is served as usual')
})

function safeJson(body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    return body
  }
}
