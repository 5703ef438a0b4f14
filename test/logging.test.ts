/**
 * What the log says, captured as pino writes it (JSON lines to a stream): each request once,
 * expected refusals (503 NOT_READY while the history builds, a 4xx) at info without a stack,
 * real failures at error level with one, every control action and WebSocket connection with
 * its ids, and the history build's progress.
 */
import net from 'node:net'
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import WebSocket from 'ws'
import { buildApp, type AppOptions } from '../server/src/app.js'
import { publicUrls, readyMessage } from '../server/src/urls.js'
import { readEnv } from '../server/src/env.js'
import { TEST_START } from './helpers.js'

type Line = { level: number; msg: string; reqId?: string; [k: string]: unknown }

/** An app (not started: the world is built when the test says) whose log lines the test reads. */
async function loggedApp(t: Test, options: AppOptions = {}) {
  const lines: Line[] = []
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as Line)
      done()
    },
  })
  const app = await buildApp({ ...options, logger: { level: 'info', stream }, autoStart: false, simulation: { historyDays: 3, tickMs: 0, startMs: TEST_START } })
  t.teardown(() => app.close())
  return { app, lines }
}

/** The lines of one request (by its id). */
const of = (lines: Line[], reqId: string | undefined) => lines.filter((l) => l.reqId === reqId)

t.test('health probes while the history builds are one info line each, 503 NOT_READY, no stack', async (t) => {
  const { app, lines } = await loggedApp(t)
  await app.ready()
  for (let i = 0; i < 3; i++) {
    const res = await app.inject('/api/health')
    t.equal(res.statusCode, 503)
    t.equal(res.json().error.code, 'NOT_READY')
  }
  const probes = lines.filter((l) => l.url === '/api/health')
  t.equal(probes.length, 3, 'one line per probe')
  for (const p of probes) {
    t.match(p, { level: 30, msg: 'request', method: 'GET', statusCode: 503, code: 'NOT_READY' })
    t.same(of(lines, p.reqId).length, 1, 'and nothing else about that request')
  }
  t.notOk(lines.some((l) => l.level >= 40), 'nothing at warn or error level')
  t.notOk(lines.some((l) => JSON.stringify(l).includes('stack')), 'no stack trace anywhere')
})

t.test('the history build says what it does and how far it got', async (t) => {
  const { app, lines } = await loggedApp(t)
  await app.ready()
  await app.streams.start()
  const msgs = lines.map((l) => l.msg)
  const building = msgs.findIndex((m) => m.startsWith('history: building 3 days'))
  t.ok(building >= 0, 'announces the build with its length')
  t.match(msgs[building], /503 NOT_READY until the server is ready/)
  const progress = lines.filter((l) => /^history: \d+ of 3 days built/.test(l.msg))
  t.ok(progress.length >= 2, `progress as it goes (${progress.length} lines)`)
  const days = progress.map((l) => l.days as number)
  t.same(days, [...days].sort((a, b) => a - b), 'days only go up')
  t.equal(progress.at(-1)!.msg, 'history: 3 of 3 days built (100%)')
  const ready = msgs.findIndex((m) => m.startsWith('simulation ready'))
  t.ok(ready > msgs.indexOf(progress.at(-1)!.msg), 'ready after the last progress line')
})

t.test('each request is logged once, at info, with its status; Fastify\'s own pair is gone', async (t) => {
  const { app, lines } = await loggedApp(t)
  await app.ready()
  await app.streams.start()
  lines.length = 0
  const asked = [
    ['/api/streams', 200],
    ['/api/simulation/state', 200],
    ['/api/nothing-here', 404],
    ['/api/simulation/history?start=garbage&end=x', 400],
  ] as const
  for (const [url, status] of asked) t.equal((await app.inject(url)).statusCode, status, url)
  t.equal(lines.length, asked.length, 'as many lines as requests')
  for (const [url, status] of asked) {
    const mine = lines.filter((l) => l.url === url)
    t.equal(mine.length, 1, `${url}: one line`)
    t.match(mine[0], { level: 30, msg: 'request', method: 'GET', statusCode: status, ms: Number })
    if (status >= 400) t.type(mine[0]!.code, 'string', `${url}: names its error code`)
  }
  t.notOk(lines.some((l) => /incoming request|request completed/.test(l.msg)))
})

t.test('an unexpected failure is an error with its stack; its request line says INTERNAL_ERROR', async (t) => {
  const { app, lines } = await loggedApp(t)
  app.get('/boom', async () => {
    throw new Error('kaboom')
  })
  await app.ready()
  const res = await app.inject('/boom')
  t.equal(res.statusCode, 500)
  t.equal(res.json().error.code, 'INTERNAL_ERROR')
  const mine = lines.filter((l) => l.url === '/boom' || (l.err as { message?: string })?.message === 'kaboom')
  const reqId = mine[0]?.reqId
  t.ok(reqId)
  const failed = of(lines, reqId).find((l) => l.level === 50)
  t.match(failed, { msg: 'request failed', err: { message: 'kaboom', stack: /kaboom/ } }, 'an error, with the stack')
  t.match(of(lines, reqId).find((l) => l.msg === 'request'), { level: 30, statusCode: 500, code: 'INTERNAL_ERROR' })
})

t.test('every control action is logged with its ids, under the request that pressed it', async (t) => {
  const { app, lines } = await loggedApp(t)
  await app.ready()
  await app.streams.start()
  const post = (url: string, payload?: object) => app.inject({ method: 'POST', url, ...(payload ? { payload } : {}) })
  const controlOf = (res: { statusCode: number }, kind: string) => {
    t.equal(res.statusCode, 200, kind)
    const line = lines.filter((l) => l.control === kind).at(-1)!
    t.ok(line, `${kind} is logged`)
    t.equal(line.level, 30)
    t.equal(of(lines, line.reqId).filter((l) => l.msg === 'request').length, 1, `${kind}: the same request's one request line`)
    return line
  }
  const activated = await post('/api/simulation/scenario', { scenarioId: 'exam-season-surge' })
  t.match(controlOf(activated, 'activate'), { scenarioId: 'exam-season-surge', runId: activated.json().scenario.id, msg: /scenario exam-season-surge activated/ })
  const stopped = await post('/api/simulation/stop')
  t.match(controlOf(stopped, 'stop'), { runId: stopped.json().scenario.id, scenarioId: 'exam-season-surge', settlingUntil: stopped.json().settlingUntil })
  const reset = await post('/api/simulation/reset')
  t.match(controlOf(reset, 'reset'), { cleared: [activated.json().scenario.id], msg: 'control: reset to baseline' })
  const clock = await post('/api/simulation/clock', { speed: 10 })
  t.match(controlOf(clock, 'clock'), { speed: 10, speedNow: clock.json().speed, msg: 'control: clock speed 10' })
  // A refused control is not an action: its request line says why, no control line is written.
  const before = lines.filter((l) => l.control).length
  const refused = await post('/api/simulation/stop')
  t.equal(refused.statusCode, 400)
  t.equal(lines.filter((l) => l.control).length, before, 'no control line for a refusal')
  t.match(lines.at(-1), { msg: 'request', statusCode: 400, code: 'NO_ACTIVE_SCENARIO', level: 30 })
})

t.test('WebSocket connects and closes are logged with the connection id and close code', async (t) => {
  const { app, lines } = await loggedApp(t)
  await app.ready()
  await app.streams.start()
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
  await new Promise((r, j) => ws.once('open', r).once('error', j))
  ws.close(1000, 'done here')
  await new Promise((r) => ws.once('close', r))
  for (let i = 0; i < 200 && !lines.some((l) => /ws: connection \d+ closed/.test(l.msg)); i++) await new Promise((r) => setTimeout(r, 5))
  const opened = lines.find((l) => /^ws: connection \d+ opened$/.test(l.msg))
  const closed = lines.find((l) => /^ws: connection \d+ closed/.test(l.msg))
  t.match(opened, { level: 30, ws: Number, ip: '127.0.0.1', reqId: String })
  t.match(closed, { level: 30, ws: opened?.ws, reqId: opened?.reqId, code: 1000, reason: 'done here' })
})

t.test('the ready line names the console, docs, WebSocket and health URLs', async (t) => {
  const local = publicUrls({ address: '0.0.0.0', family: 'IPv4', port: 3000 })
  t.same(local, { console: 'http://localhost:3000/admin', docs: 'http://localhost:3000/docs', websocket: 'ws://localhost:3000/ws', health: 'http://localhost:3000/api/health' })
  t.equal(publicUrls({ address: '::', family: 'IPv6', port: 8080 }).console, 'http://localhost:8080/admin', 'any wildcard is reached as localhost')
  t.equal(publicUrls({ address: '::1', family: 'IPv6', port: 8080 }).websocket, 'ws://[::1]:8080/ws')
  t.equal(publicUrls({ address: '127.0.0.1', family: 'IPv4', port: 4000 }).health, 'http://127.0.0.1:4000/api/health')
  const railway = publicUrls({ address: '0.0.0.0', family: 'IPv4', port: 8080 }, readEnv({ RAILWAY_PUBLIC_DOMAIN: 'sim.up.railway.app' }).publicDomain)
  t.same(railway, { console: 'https://sim.up.railway.app/admin', docs: 'https://sim.up.railway.app/docs', websocket: 'wss://sim.up.railway.app/ws', health: 'https://sim.up.railway.app/api/health' })
  t.equal(readyMessage(local), 'ready: console http://localhost:3000/admin · docs http://localhost:3000/docs · WebSocket ws://localhost:3000/ws · health http://localhost:3000/api/health')
})
