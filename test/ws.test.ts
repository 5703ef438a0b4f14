/** The WebSocket protocol with real `ws` clients against a listening server; the test drives the clock and the flushes. */
import net from 'node:net'
import t from 'tap'
import WebSocket from 'ws'
import { WsPulse, type StreamEvent } from '@marketsim/shared-types'
import { Hub } from '../server/src/ws/hub.js'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { TEST_START, build, iso, schemaErrors } from './helpers.js'
import { catchUp, client, eventsOf, server, slowAndFast } from './ws-helpers.js'

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
  const catchup = await catchUp(b, ['*'], { lastSeq })
  t.equal(catchup.complete, true)
  tick(60_000)
  await b.next((m) => m.type === 'batch')
  const after = eventsOf(b.inbox)
  t.equal(after[0]!.seq, lastSeq + 1, 'starts right after the last one seen')
  t.ok(after.every((e, i) => i === 0 || e.seq === after[i - 1]!.seq! + 1), `${after.length} events, consecutive seq across catch-up and live`)

  const c = await client(t, url)
  const byTime = await catchUp(c, ['*'], { lastTimestamp: seen.at(-1)!.timestamp })
  t.equal(byTime.events[0]!.seq, lastSeq + 1, 'lastTimestamp works the same way')
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

t.test('client messages are checked by the limits the AsyncAPI document states, naming the field; a refused one changes nothing', async (t) => {
  const { app, url, tick } = await server(t)
  type Schema = { properties: Record<string, { maxItems?: number }> }
  const schemas: Record<string, Schema & { maxLength?: number }> = (await app.inject('/docs/asyncapi.json')).json().components.schemas
  const maxTopics = schemas.WsSubscribe!.properties.topics!.maxItems!
  const maxLength = schemas.WsTopic!.maxLength!
  t.equal(schemas.WsUnsubscribe!.properties.topics!.maxItems, maxTopics, 'unsubscribe carries the same limit')
  const c = await client(t, url)
  c.send({ type: 'subscribe', topics: Array.from({ length: maxTopics }, () => 'session.*') })
  t.equal((await c.next((m) => m.type === 'subscribed' || m.type === 'error')).type, 'subscribed', `${maxTopics} topics (the limit) are taken`)
  const answer = async (message: unknown) => {
    c.inbox.length = 0
    c.send(message)
    return c.next((m) => m.type === 'error' || m.type === 'subscribed' || m.type === 'unsubscribed')
  }
  const topicsFault = '"topics" must be an array of topic strings'
  const timeFault = '"lastTimestamp" must be an ISO-8601 time'
  const refused: Array<[string, unknown, string]> = [
    ['one topic too many', { type: 'subscribe', topics: Array.from({ length: maxTopics + 1 }, () => '*') }, topicsFault],
    ['a topic one character too long', { type: 'subscribe', topics: ['x'.repeat(maxLength + 1)] }, topicsFault],
    ['an empty topic', { type: 'subscribe', topics: [''] }, topicsFault],
    ['no topics', { type: 'subscribe' }, topicsFault],
    ['unsubscribe: one topic too many', { type: 'unsubscribe', topics: Array.from({ length: maxTopics + 1 }, () => '*') }, topicsFault],
    ['unsubscribe: an empty topic', { type: 'unsubscribe', topics: [''] }, topicsFault],
    ['a time without its zone', { type: 'subscribe', topics: ['*'], lastTimestamp: iso(TEST_START).slice(0, -1) }, timeFault],
    ['a day that does not exist', { type: 'subscribe', topics: ['*'], lastTimestamp: '2026-02-30T10:00:00Z' }, timeFault],
    ['a leap second, which no Date holds', { type: 'subscribe', topics: ['*'], lastTimestamp: '2026-12-31T23:59:60Z' }, timeFault],
    ['a bad time beside a good lastSeq', { type: 'subscribe', topics: ['*'], lastSeq: 0, lastTimestamp: 'yesterday' }, timeFault],
    ['a fractional lastSeq', { type: 'subscribe', topics: ['*'], lastSeq: 1.5 }, '"lastSeq" must be a non-negative integer'],
    ['a bad lastSeq and bad topics: the catch-up point is named first', { type: 'subscribe', topics: 5, lastSeq: -1 }, '"lastSeq" must be a non-negative integer'],
  ]
  for (const [what, message, sentence] of refused) t.same(await answer(message), { type: 'error', code: 'INVALID_MESSAGE', message: sentence }, what)
  t.same(await answer({ type: 'subscribe', topics: ['x'.repeat(maxLength)] }), { type: 'error', code: 'UNKNOWN_TOPIC', message: `no stream matches: ${'x'.repeat(maxLength)}` }, 'a topic of the longest length passes the schema, then must name a stream')
  t.same(await answer({ type: 'SUBSCRIBE', topics: ['*'] }), { type: 'error', code: 'UNKNOWN_MESSAGE_TYPE', message: 'unknown message type: SUBSCRIBE' })
  c.inbox.length = 0
  tick(60_000)
  await c.next((m) => m.type === 'batch' || m.type === 'event')
  t.ok(eventsOf(c.inbox).every((e) => e.stream.startsWith('session.')), 'still subscribed to what it was')
  c.send({ type: 'pong', extra: true })
  const unsubscribed = { type: 'unsubscribed', topics: ['session.*', 'never.subscribed'] }
  t.same(await answer({ type: 'unsubscribe', topics: unsubscribed.topics }), unsubscribed, 'a pong with a field it does not know has no answer; unsubscribe echoes what it was asked, known or not')
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
  const catchup = await catchUp(c, ['api.request.log'], { lastSeq: 1 })
  t.equal(catchup.complete, false, 'events after seq 1 were already dropped: refetch history for the gap')
  const events = catchup.events
  t.ok(events.length >= 1000, `it still holds at least 1,000 of the stream (${events.length})`)

  const recent = events.at(-50)!.seq!
  const again = await catchUp(c, ['api.request.log'], { lastSeq: recent })
  t.equal(again.complete, true)
  t.equal(again.events.length, 49)

  const other = new WebSocket(url.replace('/ws', '/socket'))
  const outcome = await new Promise<string>((r) => {
    other.once('open', () => r('open'))
    other.once('error', (e) => r(String(e.message)))
  })
  t.match(outcome, /404/, 'no upgrade outside /ws')
})

t.test('catch-up is complete only when the buffer holds every event after the point', async (t) => {
  const { app, url, tick } = await server(t)
  tick(2 * 60_000) // nothing trimmed yet: the buffer holds every live event
  const c = await client(t, url)
  const lastSeq = (await app.inject('/api/simulation/events?limit=1')).json().events[0].seq as number

  for (const [what, at] of [
    ['five days back', TEST_START - 5 * 86_400_000],
    ['a minute before the live start (history, never buffered)', TEST_START - 60_000],
  ] as const) {
    const old = await catchUp(c, ['*'], { lastTimestamp: iso(at) })
    t.equal(old.complete, false, `lastTimestamp ${what}: incomplete`)
    t.equal(old.events[0]!.seq, 1, 'it still sends what it holds')
  }
  const all = await catchUp(c, ['*'], { lastSeq: 0 })
  t.equal(all.complete, true, 'lastSeq 0: the live start, nothing before it missed')
  t.same(all.events.map((e) => e.seq), Array.from({ length: lastSeq }, (_, i) => i + 1), 'every live event, once')
  const fromStart = await catchUp(c, ['*'], { lastTimestamp: iso(TEST_START) })
  t.equal(fromStart.complete, true, 'lastTimestamp at the live start: complete too')
  t.same(fromStart.events, all.events.filter((e) => e.timestamp > iso(TEST_START)), 'every live event after that instant')
  t.equal((await catchUp(c, ['*'], { lastSeq: lastSeq + 100 })).complete, false, 'a seq this world never reached belongs to another timeline')

  c.ws.terminate() // (a '*' subscriber would be sent the next quarter of an hour)
  tick(15 * 60_000) // now the busy streams have dropped their oldest events
  const d = await client(t, url)
  const busy = ['api.request.log']
  t.equal((await catchUp(d, busy, { lastSeq: 1 })).complete, false, 'old lastSeq: incomplete')
  t.equal((await catchUp(d, busy, { lastTimestamp: iso(TEST_START) })).complete, false, 'old lastTimestamp: incomplete')
  const seen = (await app.inject(`/api/simulation/events?stream=${busy[0]}&limit=20`)).json().events as StreamEvent[]
  const recent = await catchUp(d, busy, { lastTimestamp: seen[0]!.timestamp })
  t.equal(recent.complete, true, 'a recent point: complete')
  t.same(
    recent.events.map((e) => e.seq),
    seen.filter((e) => e.timestamp > seen[0]!.timestamp).map((e) => e.seq),
    'exactly the events after it, as the events endpoint lists them',
  )
})

t.test('after a restart, catch-up reaches back only as far as the world re-emitted', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simstate-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const first = await build(t, { stateDir: dir })
  first.simulation.sim.advanceTo(TEST_START + 25 * 60_000)
  // A journalled action marks a point the restart can re-emit from (ten minutes before it stopped).
  await first.inject({ method: 'POST', url: '/api/simulation/clock', payload: { speed: 1 } })
  first.simulation.sim.advanceTo(TEST_START + 40 * 60_000)
  // A stream quiet enough that its queue still holds every event since the live start.
  const names = ((await first.inject('/api/streams')).json().streams as Array<{ name: string }>).map((s) => s.name)
  const streamEvents = async (app: typeof first, stream: string) => (await app.inject(`/api/simulation/events?stream=${stream}&limit=1000`)).json().events as StreamEvent[]
  let quiet: string | undefined
  for (const name of names) {
    const ev = await streamEvents(first, name)
    if (ev.length > 0 && ev.length < 1000 && Date.parse(ev[0]!.timestamp) < TEST_START + 20 * 60_000) quiet ??= name
  }
  if (!quiet) throw new Error('no stream with events early in the live run')
  const before = await streamEvents(first, quiet)
  await first.close()

  const { app, url } = await server(t, { stateDir: dir })
  const c = await client(t, url)
  const whole = await catchUp(c, [quiet], { lastSeq: 0 })
  t.equal(whole.complete, false, `${quiet} from seq 0: its early events were not emitted again`)
  const after = await streamEvents(app, quiet)
  t.ok(after.length < before.length, `the restarted buffer holds ${after.length} of its ${before.length}`)
  t.equal((await catchUp(c, [quiet], { lastTimestamp: before[0]!.timestamp })).complete, false, 'the same point by time')

  const point = after[0]!
  const recent = await catchUp(c, [quiet], { lastSeq: point.seq! })
  t.equal(recent.complete, true, 'a point inside what was re-emitted: complete')
  t.same(recent.events, after.slice(1), 'exactly the events after it, as before the restart')

  // Catch-up then live on a fresh client: everything after the point, once.
  const d = await client(t, url)
  await catchUp(d, [quiet], { lastSeq: point.seq! })
  app.simulation.sim.advanceTo(app.simulation.sim.now + 20 * 60_000)
  app.hub.flush()
  await d.settle()
  const expected = (await streamEvents(app, quiet)).filter((e) => e.seq! > point.seq!)
  t.ok(expected.length > recent.events.length, 'the world moved on')
  t.same(eventsOf(d.inbox), expected, 'no gap and no duplicate between catch-up and live')
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
  const base = { ...app.hub.options, pingIntervalMs: 30_000, pongTimeoutMs: 90_000, maxBufferBytes: 1 << 20, flushMs: 100, maxFrameBytes: 65_536, pulseMs: 1000 }
  // An undefined interval would make setInterval fire every millisecond: a flood of pulses.
  t.throws(() => new Hub(() => app.simulation.sim, { ...base, pulseMs: undefined as unknown as number }), /pulseMs must be a positive number/)
  t.throws(() => new Hub(() => app.simulation.sim, { ...base, flushMs: 0 }), /flushMs/)
})
