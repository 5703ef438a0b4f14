/**
 * Protocol edges on the real listening server: answers Node's HTTP server or the WebSocket
 * library would write themselves (a request that is not HTTP, 431, a timeout, a refused
 * handshake) leave in the envelope; upgrades happen only on /ws; a trickled request is cut.
 */
import { spawn } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import t, { type Test } from 'tap'
import WebSocket from 'ws'
import { ApiError } from '@marketsim/shared-types'
import { HTTP_TIMEOUTS } from '../server/src/app.js'
import { ROOT_DIR, appWithSlowRoute, build, schemaErrors } from './helpers.js'
import { exchange, parseResponses, request, type RawExchange } from './raw-http.js'

type Opts = Parameters<typeof build>[1]

async function listening(t: Parameters<typeof build>[0], options: Opts = {}) {
  const app = await build(t, options)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, port: (app.server.address() as net.AddressInfo).port }
}

/** The one answer of an exchange, checked to be the envelope; its code. */
function envelopeOf(t: Test, x: RawExchange, status: number, what: string): string | undefined {
  t.equal(x.responses.length, 1, `${what}: one answer`)
  const res = x.responses[0]
  if (!res) return undefined
  t.equal(res.status, status, `${what}: ${status}`)
  t.match(res.headers['content-type'], /^application\/json/, `${what}: JSON`)
  let body: unknown
  try {
    body = JSON.parse(res.body)
  } catch {
    body = res.body
  }
  t.same(schemaErrors(ApiError, body), [], `${what}: the envelope (${res.body.slice(0, 80)})`)
  return (body as ApiError).error?.code
}

const upgrade = (url: string, extra: string[] = ['Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13']) =>
  request([`GET ${url} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: Upgrade', 'Upgrade: websocket', ...extra])

t.test('an oversized request line or oversized headers: 431 in the envelope', async (t) => {
  const { app, port } = await listening(t)
  const line = await exchange(port, [request([`GET /api/streams?domain=${'a'.repeat(20_000)} HTTP/1.1`, 'Host: x'])])
  t.equal(envelopeOf(t, line, 431, 'a 20 KB request line'), 'HEADERS_TOO_LARGE')
  const headers = await exchange(port, [request(['GET /api/health HTTP/1.1', 'Host: x', ...Array.from({ length: 40 }, (_, i) => `X-Pad-${i}: ${'b'.repeat(500)}`)])])
  t.equal(envelopeOf(t, headers, 431, '40 headers of 500 bytes'), 'HEADERS_TOO_LARGE')
  t.equal((await app.inject('/api/health')).statusCode, 200, 'the server carries on')
})

t.test('bytes that are not HTTP: 400 in the envelope, not Fastify\'s own shape', async (t) => {
  const { port } = await listening(t)
  for (const [what, bytes] of [
    ['a garbage request line', 'GARBAGE\r\n\r\n'],
    ['Content-Length: abc', request(['POST /api/simulation/reset HTTP/1.1', 'Host: x', 'Content-Length: abc'])],
    ['a bad chunk size', request(['POST /api/simulation/reset HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked'], 'zz\r\n')],
    ['Content-Length and Transfer-Encoding together', request(['POST /api/simulation/reset HTTP/1.1', 'Host: x', 'Content-Length: 2', 'Transfer-Encoding: chunked'], '0\r\n\r\n')],
    ['the HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
  ] as const) {
    t.equal(envelopeOf(t, await exchange(port, [bytes]), 400, what), 'INVALID_REQUEST')
  }
})

t.test('Expect other than 100-continue (417) and CONNECT (405) are answered in the envelope', async (t) => {
  const { port } = await listening(t)
  envelopeOf(t, await exchange(port, [request(['GET /api/health HTTP/1.1', 'Host: x', 'Expect: teapot'])]), 417, 'Expect: teapot')
  t.equal(envelopeOf(t, await exchange(port, [request(['CONNECT example.com:443 HTTP/1.1', 'Host: example.com:443'])]), 405, 'CONNECT'), 'METHOD_NOT_ALLOWED')
})

t.test('a WebSocket upgrade to /api/health (or any route but /ws) is refused in the envelope; /ws still upgrades', async (t) => {
  const { port } = await listening(t)
  for (const url of ['/api/health', '/api/simulation/state', '/admin/', '/docs/json']) {
    const x = await exchange(port, [upgrade(url)])
    t.equal(envelopeOf(t, x, 400, `upgrade to ${url}`), 'INVALID_REQUEST')
    t.equal(x.rest, '', 'no WebSocket frames follow')
  }
  // A path no route has stays a 404, and a POST with an upgrade to a control is refused, not run.
  t.equal(envelopeOf(t, await exchange(port, [upgrade('/nowhere')]), 404, 'upgrade to /nowhere'), 'NOT_FOUND')
  const post = await exchange(port, [request(['POST /api/simulation/reset HTTP/1.1', 'Host: x', 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13'])])
  t.equal(envelopeOf(t, post, 400, 'POST upgrade to reset'), 'INVALID_REQUEST')
  // Handshakes the WebSocket library refuses on /ws: its text/html is replaced by the envelope.
  envelopeOf(t, await exchange(port, [upgrade('/ws', ['Sec-WebSocket-Version: 13'])]), 400, '/ws without a key')
  const version = await exchange(port, [upgrade('/ws', ['Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 7'])])
  envelopeOf(t, version, 400, '/ws with version 7')
  t.equal(version.responses[0]?.headers['sec-websocket-version'], '13, 8', 'and it says which versions it speaks')
  envelopeOf(t, await exchange(port, [upgrade('/ws', ['Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: a,,b'])]), 400, '/ws with a malformed subprotocol list')
  // The ws client sees the refusal as an HTTP error, and /ws itself still works.
  const refused = await new Promise<string>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/health`)
    ws.once('open', () => resolve('open'))
    ws.once('error', (e) => resolve(e.message))
  })
  t.match(refused, /400/, 'no 101 on /api/health')
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
  t.teardown(() => ws.terminate())
  const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))))
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  ws.send(JSON.stringify({ type: 'subscribe', topics: ['anomalies'] }))
  t.same(JSON.parse(await reply), { type: 'subscribed', topics: ['anomalies'] })
})

t.test('an upgrade pipelined behind other requests is answered after them, not left open', async (t) => {
  const { port } = await listening(t)
  const get = request(['GET /api/streams HTTP/1.1', 'Host: x'])
  // No half-close: the server must close the connection itself.
  const x = await exchange(port, [get + get + upgrade('/api/health')], { keepOpen: true, deadlineMs: 10_000 })
  t.ok(x.closedByServer, 'the server closed the connection')
  t.same(x.responses.map((r) => r.status), [200, 200, 400], 'both reads, then the refusal')
  t.same(schemaErrors(ApiError, JSON.parse(x.responses[2]?.body ?? '""')), [], 'in the envelope')
})

// Timeouts are real time: these use short ones (a second) and allow ample slack, so only a
// server that never cuts the connection fails, not a slow machine.
const SHORT = { headersTimeoutMs: 500, requestTimeoutMs: 1_000, checkIntervalMs: 100 }

t.test('a body trickled a byte at a time is cut at the request timeout with a 408 in the envelope', async (t) => {
  const { app, port } = await listening(t, { http: SHORT })
  const before = (await app.inject('/api/simulation/state')).json().lastModified
  const head = request(['POST /api/simulation/clock HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 100'])
  // 100 bytes at one per 200 ms would take 20 s.
  const x = await exchange(port, [head, ...'{"speed":10}'.padEnd(100, ' ').split('')], { gapMs: 200, keepOpen: true, deadlineMs: 15_000 })
  t.ok(x.closedByServer, 'the server closed the connection')
  t.ok(x.ms < 8_000, `cut after ${x.ms} ms (timeout ${SHORT.requestTimeoutMs} ms), not after the 20 s the trickle needs`)
  t.equal(envelopeOf(t, x, 408, 'trickled body'), 'REQUEST_TIMEOUT')
  t.equal((await app.inject('/api/simulation/state')).json().lastModified, before, 'nothing was applied')
})

t.test('headers trickled a line at a time (slowloris) are cut at the headers timeout, in the envelope', async (t) => {
  const { port } = await listening(t, { http: SHORT })
  const lines = ['GET /api/health HTTP/1.1\r\n', ...Array.from({ length: 60 }, (_, i) => `X-Slow-${i}: 1\r\n`)]
  const x = await exchange(port, lines, { gapMs: 200, keepOpen: true, deadlineMs: 15_000 })
  t.ok(x.closedByServer && x.ms < 8_000, `cut after ${x.ms} ms (headers timeout ${SHORT.headersTimeoutMs} ms; the trickle needs 12 s)`)
  t.equal(envelopeOf(t, x, 408, 'trickled headers'), 'REQUEST_TIMEOUT')
})

t.test('the request timeout does not cut WebSocket connections (they are no longer requests)', async (t) => {
  const { port } = await listening(t, { http: SHORT })
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
  t.teardown(() => ws.terminate())
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  let closed = false
  ws.once('close', () => (closed = true))
  await new Promise((r) => setTimeout(r, 3 * SHORT.requestTimeoutMs))
  t.notOk(closed, 'still open after three request timeouts')
  const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))))
  ws.send(JSON.stringify({ type: 'subscribe', topics: ['anomalies'] }))
  t.same(JSON.parse(await reply), { type: 'subscribed', topics: ['anomalies'] })
})

t.test('the default timeouts are set on the server: none is 0 (unlimited)', async (t) => {
  const { app } = await listening(t)
  t.equal(app.server.headersTimeout, HTTP_TIMEOUTS.headersTimeoutMs)
  t.equal(app.server.requestTimeout, HTTP_TIMEOUTS.requestTimeoutMs)
  t.equal(app.server.keepAliveTimeout, HTTP_TIMEOUTS.keepAliveTimeoutMs)
  t.ok(HTTP_TIMEOUTS.headersTimeoutMs <= HTTP_TIMEOUTS.requestTimeoutMs && HTTP_TIMEOUTS.requestTimeoutMs <= 60_000, 'headers first, a whole request within a minute')
})

t.test('a request arriving while the server closes gets a 503 in the envelope', async (t) => {
  const { app, inside, release } = await appWithSlowRoute(t)
  let preClosed!: () => void
  const closingStarted = new Promise<void>((r) => (preClosed = r))
  app.addHook('preClose', async () => preClosed())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  // One connection: the first request holds close() open, the second is sent once closing has begun.
  const socket = net.connect(port, '127.0.0.1')
  const received: Buffer[] = []
  socket.on('data', (d) => received.push(d))
  const ended = new Promise((r) => socket.once('close', r))
  t.teardown(() => socket.destroy())
  socket.write(request(['GET /slow HTTP/1.1', 'Host: x']))
  await inside
  const closing = app.close()
  await closingStarted
  const arrived = new Promise((r) => app.server.on('request', (req) => req.url === '/api/health' && r(undefined)))
  socket.write(request(['GET /api/health HTTP/1.1', 'Host: x']))
  await arrived
  release()
  await closing
  await ended
  const { responses } = parseResponses(Buffer.concat(received))
  t.equal(responses[0]?.status, 200, 'the request in flight finishes')
  t.equal(responses[1]?.status, 503, 'the next one is told the server is closing')
  t.same(schemaErrors(ApiError, JSON.parse(responses[1]?.body ?? '""')), [], 'in the envelope')
  t.equal(responses[1]?.headers.connection, 'close', 'and the connection closes')
})

t.test('the real process: a cross-site text/plain reset, an oversized request line and an upgrade to /api/health are refused in the envelope', async (t) => {
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const child = spawn(process.execPath, [path.join(ROOT_DIR, 'server/dist/server.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', STATE_DIR: ':memory:', SIM_HISTORY_DAYS: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  t.teardown(() => {
    child.kill('SIGKILL')
  })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/api/health`).then((r) => r.status === 200, () => false)
    if (ok) break
    if (i > 300) throw new Error('the server never became healthy')
    await new Promise((r) => setTimeout(r, 100))
  }
  const activate = await fetch(`${base}/api/simulation/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"scenarioId":"exam-season-surge"}' })
  t.equal(activate.status, 200)
  // What a refused request could change; the simulated time moves on with the wall clock meanwhile.
  const state = async () => {
    const { currentSimulationTime: _, ...rest } = (await (await fetch(`${base}/api/simulation/state`)).json()) as { currentSimulationTime: string; lastModified: string; baselineState: string }
    return rest
  }
  const before = await state()
  const csrf = await exchange(port, [request(['POST /api/simulation/reset HTTP/1.1', 'Host: 127.0.0.1', 'Origin: https://evil.example', 'Content-Type: text/plain', 'Content-Length: 0'])])
  t.equal(envelopeOf(t, csrf, 415, 'cross-site text/plain reset'), 'UNSUPPORTED_MEDIA_TYPE')
  t.same(await state(), before, 'the scenario still runs')
  t.equal(envelopeOf(t, await exchange(port, [request([`GET /api/health?${'x'.repeat(17_000)} HTTP/1.1`, 'Host: x'])]), 431, 'a 17 KB request line'), 'HEADERS_TOO_LARGE')
  t.equal(envelopeOf(t, await exchange(port, [upgrade('/api/health')]), 400, 'upgrade to /api/health'), 'INVALID_REQUEST')
})
