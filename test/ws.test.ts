/** The WebSocket protocol with real `ws` clients against a listening server; the test drives the clock and the flushes. */
import net from 'node:net'
import t from 'tap'
import WebSocket from 'ws'
import { WsPulse, type StreamEvent } from '@marketsim/shared-types'
import { Hub } from '../server/src/ws/hub.js'
import { build, schemaErrors } from './helpers.js'
import { client, eventsOf, server, slowAndFast } from './ws-helpers.js'

t.test('nothing before subscribing; then the matching events, batched, in timeline order', async (t) => {
  const { url, tick } = await server(t)
  const c = await client(t, url)
  tick(60_000)
  await c.settle()
  t.same(c.inbox, [], 'a fresh connection receives nothing')
  c.send({ type: 'subscribe', topics: ['customer.*', 'anomalies'] })
  t.same(await c.next((m) => m.type === 'subscribed'), { type: 'subscribed', topics: ['customer.*', 'anomalies'] })
  tick(60_000)
  await c.next((m) => m.type === 'batch')
  const events = eventsOf(c.inbox)
  t.ok(events.length > 100)
  t.ok(events.every((e) => e.stream.startsWith('customer.') || e.anomalyFlag !== 'normal'), 'only customer events and anomalies')
  t.ok(events.every((e, i) => i === 0 || e.seq! > events[i - 1]!.seq!), 'timeline order')
  const before = c.inbox.length
  c.ws.send('') // any frame is a sign of life; an empty flush sends nothing
  await c.settle()
  t.ok(c.inbox.length - before <= 1, 'no empty batch (only the error for the empty frame)')
})

t.test('topics: *, domain aliases, prefixes, exact names, unknown topics', async (t) => {
  const { url, tick } = await server(t)
  const cases: Array<[string[], (s: string) => boolean]> = [
    [['marketing.*'], (s) => s.startsWith('marketing.ad.') || s === 'seo.organic.traffic'],
    [['system.*'], (s) => ['api.request.log', 'system.error.log', 'database.query.performance', 'platform.concurrent.users', 'payment_gateway.transaction.status'].includes(s)],
    [['customer.subscription.*'], (s) => s.startsWith('customer.subscription.')],
    [['session.booking.requested'], (s) => s === 'session.booking.requested'],
  ]
  const clients = await Promise.all(cases.map(() => client(t, url)))
  cases.forEach(([topics], i) => clients[i]!.send({ type: 'subscribe', topics }))
  await Promise.all(clients.map((c) => c.next((m) => m.type === 'subscribed')))
  const all = await client(t, url)
  all.send({ type: 'subscribe', topics: ['*'] })
  await all.next((m) => m.type === 'subscribed')
  tick(10 * 60_000)
  await all.next((m) => m.type === 'batch')
  await Promise.all(clients.map((c) => c.settle()))
  const everything = eventsOf(all.inbox)
  cases.forEach(([topics, belongs], i) => {
    const got = eventsOf(clients[i]!.inbox)
    t.ok(got.length > 0 && got.every((e) => belongs(e.stream)), `${topics}: ${got.length} events, all matching`)
    t.equal(got.length, everything.filter((e) => belongs(e.stream)).length, `${topics}: none missing`)
  })
  const bad = await client(t, url)
  bad.send({ type: 'subscribe', topics: ['custmer.*'] })
  const err = await bad.next((m) => m.type === 'error')
  t.match(err, { code: 'UNKNOWN_TOPIC', message: /custmer\.\*/ })
  tick(60_000)
  await bad.settle()
  t.equal(eventsOf(bad.inbox).length, 0, 'the rejected subscribe changed nothing')
})

t.test('catch-up after a disconnect: no gap, no duplicate', async (t) => {
  const { url, tick } = await server(t)
  const a = await client(t, url)
  a.send({ type: 'subscribe', topics: ['*'] })
  await a.next((m) => m.type === 'subscribed')
  tick(2 * 60_000)
  await a.next((m) => m.type === 'batch')
  const seen = eventsOf(a.inbox)
  const lastSeq = seen.at(-1)!.seq!
  a.ws.terminate()
  tick(60_000) // missed while away
  const b = await client(t, url)
  b.send({ type: 'subscribe', topics: ['*'], lastSeq })
  const catchup = await b.next((m) => m.type === 'catchup')
  t.equal(catchup.complete, true)
  tick(60_000)
  await b.next((m) => m.type === 'batch')
  const after = eventsOf(b.inbox)
  t.equal(after[0]!.seq, lastSeq + 1, 'starts right after the last one seen')
  t.ok(after.every((e, i) => i === 0 || e.seq === after[i - 1]!.seq! + 1), `${after.length} events, consecutive seq across catch-up and live`)

  const c = await client(t, url)
  c.send({ type: 'subscribe', topics: ['*'], lastTimestamp: seen.at(-1)!.timestamp })
  const byTime = await c.next((m) => m.type === 'catchup')
  t.equal((byTime.events as StreamEvent[])[0]!.seq, lastSeq + 1, 'lastTimestamp works the same way')
  for (const bad of [{ lastSeq: 'ten' }, { lastSeq: -1 }, { lastTimestamp: 'yesterday' }]) {
    c.send({ type: 'subscribe', topics: ['api.*'], ...bad })
    const e = await c.next((m) => m.type === 'error' && !c.inbox.slice(0, c.inbox.indexOf(m)).includes(m))
    t.equal(e.code, 'INVALID_MESSAGE', JSON.stringify(bad))
    c.inbox.length = 0
  }
})

t.test('bad frames get an error with a code; the connection stays open and nothing changes', async (t) => {
  const { url, tick } = await server(t)
  const c = await client(t, url)
  c.send({ type: 'subscribe', topics: ['session.*'] })
  await c.next((m) => m.type === 'subscribed')
  const frames: Array<[string, string]> = [
    ['not json', 'INVALID_JSON'],
    ['[1,2]', 'INVALID_MESSAGE'],
    ['{"topics":["*"]}', 'INVALID_MESSAGE'],
    ['{"type":"dance"}', 'UNKNOWN_MESSAGE_TYPE'],
    ['{"type":"subscribe","topics":"*"}', 'INVALID_MESSAGE'],
    [JSON.stringify({ type: 'subscribe', topics: ['*'], pad: 'x'.repeat(70_000) }), 'MESSAGE_TOO_LARGE'],
  ]
  for (const [frame, code] of frames) {
    c.inbox.length = 0
    c.send(frame)
    const e = await c.next((m) => m.type === 'error')
    t.equal(e.code, code, frame.slice(0, 40))
  }
  t.equal(c.ws.readyState, WebSocket.OPEN)
  c.inbox.length = 0
  tick(60_000)
  await c.next((m) => m.type === 'batch' || m.type === 'event')
  t.ok(eventsOf(c.inbox).every((e) => e.stream.startsWith('session.')), 'still subscribed to what it was')
})

t.test('heartbeat: JSON pings; a client silent past the timeout is dropped, one that answers stays', async (t) => {
  let clock = 0
  const { app, url } = await server(t, { websocket: { pingIntervalMs: 60_000, pongTimeoutMs: 90_000, now: () => clock } })
  const quiet = new WebSocket(url, { autoPong: false })
  await new Promise((r) => quiet.once('open', r))
  t.teardown(() => quiet.terminate())
  const alive = await client(t, url)
  alive.ws.on('message', (d) => {
    if (JSON.parse(String(d)).type === 'ping') alive.send({ type: 'pong' })
  })
  clock += 60_000
  app.hub.heartbeat()
  await alive.next((m) => m.type === 'ping')
  await alive.settle() // its pong arrives, stamped with the (fake) time
  clock += 60_000 // the quiet one has now been silent for 120 s, the other for 60 s
  const closed = new Promise<number>((r) => quiet.once('close', (code) => r(code)))
  app.hub.heartbeat()
  await closed
  t.pass('the silent client was disconnected')
  const metrics = (await app.inject('/metrics')).body
  t.match(metrics, /^marketsim_ws_heartbeat_disconnects_total 1$/m, 'and counted in /metrics')
  await alive.settle()
  t.equal(alive.ws.readyState, WebSocket.OPEN, 'the answering client is still connected')
})

t.test('a slow consumer is closed with 4008 while the others keep receiving', async (t) => {
  const { app, tick, slow, fast, starve, resume } = await slowAndFast(t)
  const closed = new Promise<[number, string]>((r) => slow.ws.once('close', (code, reason) => r([code, String(reason)])))
  await starve()
  t.equal(app.hub.size, 1, 'only the healthy client is left')
  t.equal(app.hub.stats.slowDisconnects, 1)
  resume()
  const [code, reason] = await closed
  t.equal(code, 4008)
  t.match(reason, /reconnect/)
  const before = eventsOf(fast.inbox).length
  tick(60_000)
  await fast.next(() => eventsOf(fast.inbox).length > before)
  t.equal(fast.ws.readyState, WebSocket.OPEN, 'the other client is unaffected')
})

t.test('the simulation topic pushes state changes and external events as they occur', async (t) => {
  const { app, url, tick } = await server(t)
  const c = await client(t, url)
  c.send({ type: 'subscribe', topics: ['simulation'] })
  const first = await c.next((m) => m.type === 'simulation')
  t.equal((first.state as { baselineState: string }).baselineState, 'normal')
  await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'payment-outage' } })
  tick(1000)
  const custom = await c.next((m) => m.type === 'simulation' && (m.state as { baselineState: string }).baselineState === 'custom')
  t.equal((custom.state as { activeModifiers: Array<{ type: string }> }).activeModifiers[0]!.type, 'payment-outage')
  await c.next((m) => m.type === 'external_event' && (m.event as { id: string }).id === 'evt_stripe_outage')
  tick(61 * 60_000)
  await c.next((m) => m.type === 'external_event' && (m.event as { id: string }).id === 'evt_payment_maintenance')
  t.equal(eventsOf(c.inbox).length, 0, 'no stream events on this topic alone')
})

t.test('catch-up says when the shared buffer no longer reaches back; other paths refuse the upgrade', async (t) => {
  const { url, tick } = await server(t)
  tick(15 * 60_000) // well past 5 simulated minutes and 1,000 events of the busiest streams
  const c = await client(t, url)
  c.send({ type: 'subscribe', topics: ['api.request.log'], lastSeq: 1 })
  const catchup = await c.next((m) => m.type === 'catchup')
  t.equal(catchup.complete, false, 'events after seq 1 were already dropped: refetch history for the gap')
  const events = catchup.events as StreamEvent[]
  t.ok(events.length >= 1000, `it still holds at least 1,000 of the stream (${events.length})`)

  const recent = events.at(-50)!.seq!
  c.send({ type: 'subscribe', topics: ['api.request.log'], lastSeq: recent })
  const again = await c.next((m) => m.type === 'catchup' && m !== catchup)
  t.equal(again.complete, true)
  t.equal((again.events as StreamEvent[]).length, 49)

  const other = new WebSocket(url.replace('/ws', '/socket'))
  const outcome = await new Promise<string>((r) => {
    other.once('open', () => r('open'))
    other.once('error', (e) => r(String(e.message)))
  })
  t.match(outcome, /404/, 'no upgrade outside /ws')
})

t.test('the pulse topic gives every stream its standing, and shows a scenario moving it', async (t) => {
  const { app, url, tick } = await server(t)
  const c = await client(t, url)
  c.send({ type: 'subscribe', topics: ['pulse'] })
  type Pulse = { time: string; streams: Record<string, { observed: number; expected: number; normalized: number; anomalyFlag: string }> }
  const first = (await c.next((m) => m.type === 'pulse')) as unknown as Pulse
  t.equal(Object.keys(first.streams).length, 50, 'all 50 streams, also those without events of late')
  const normal = Object.values(first.streams).filter((s) => s.anomalyFlag === 'normal').length
  t.ok(normal >= 45, `at baseline almost every stream is normal (${normal} of 50)`)
  t.equal(first.time, new Date(app.simulation.sim.now).toISOString())
  t.same(schemaErrors(WsPulse, first), [], 'the shape shared-types declares')
  await app.inject({ method: 'POST', url: '/api/simulation/clock', payload: { speed: 60 } })

  await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'exam-season-surge' } })
  for (let i = 0; i < 6; i++) tick(5 * 60_000)
  // The pulse timer runs on real time too; take the pulse this call sends.
  const sent = c.inbox.length
  app.hub.pulse()
  const later = (await c.next((m) => m.type === 'pulse' && c.inbox.indexOf(m) >= sent)) as unknown as Pulse
  t.equal((later as unknown as { speed: number }).speed, 60, 'with the clock speed, so a client can run the time on')
  const searches = later.streams['customer.tutor.search']!
  // How far above depends on the hour's weather too; the factor itself is measured in scenarios.test.ts.
  t.ok(searches.observed > 1.3 * searches.expected, `searches ×1.6: ${searches.observed} observed, ${searches.expected} expected`)
  t.ok(searches.normalized > 70 && searches.anomalyFlag !== 'normal', `flagged (${searches.normalized}, ${searches.anomalyFlag})`)
  t.equal(eventsOf(c.inbox).length, 0, 'the pulse topic carries no stream events')
})

t.test('while the history is being built, pulses and state wait: there is no live world to report yet', async (t) => {
  const app = await build(t, { autoStart: false, simulation: { historyDays: 1 } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  const c = await client(t, `ws://127.0.0.1:${port}/ws`)
  c.send({ type: 'subscribe', topics: ['pulse', 'simulation'] })
  await c.next((m) => m.type === 'subscribed')
  app.hub.pulse()
  app.hub.flush()
  await c.settle()
  t.same(c.inbox.map((m) => m.type), ['subscribed'], 'nothing but the acknowledgement')
  await app.streams.start()
  app.hub.pulse()
  app.hub.flush()
  const pulse = await c.next((m) => m.type === 'pulse')
  t.equal(pulse.time, new Date(app.simulation.sim.now).toISOString(), 'then the live world, from its start')
  await c.next((m) => m.type === 'simulation')
})

t.test('the hub refuses intervals it cannot keep; by default pulses come once a second', async (t) => {
  const { app } = await server(t)
  t.equal(app.hub.options.pulseMs, 1000, 'an unset option takes its default instead of becoming undefined')
  const base = { pingIntervalMs: 30_000, pongTimeoutMs: 90_000, maxBufferBytes: 1 << 20, flushMs: 100, maxFrameBytes: 65_536, pulseMs: 1000 }
  // An undefined interval would make setInterval fire every millisecond: a flood of pulses.
  t.throws(() => new Hub(() => app.simulation.sim, { ...base, pulseMs: undefined as unknown as number }), /pulseMs must be a positive number/)
  t.throws(() => new Hub(() => app.simulation.sim, { ...base, flushMs: 0 }), /flushMs/)
})
