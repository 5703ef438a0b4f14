/**
 * Bounded catch-up on a real listening server: parts of bounded size, every event once and in
 * order across parts and live, live events and topic changes held behind a running catch-up,
 * the per-connection and per-address budgets, a client that cannot take it closed as a slow
 * consumer, and /api/health staying responsive while five full catch-ups a second run.
 */
import type net from 'node:net'
import t from 'tap'
import WebSocket from 'ws'
import { WsCatchup, WsError, type StreamEvent } from '@marketsim/shared-types'
import { schemaErrors } from './helpers.js'
import { catchUp, catchUpsOf, client, eventsOf, server } from './ws-helpers.js'

type T = Parameters<typeof server>[0]

/** The seq of the newest live event, as the events endpoint lists it. */
async function newestSeq(app: Awaited<ReturnType<typeof server>>['app']): Promise<number> {
  return (await app.inject('/api/simulation/events?limit=1')).json().events[0].seq as number
}

/** A client whose frames' sizes on the wire are recorded in the order of its inbox. */
async function sizedClient(t: T, url: string) {
  const c = await client(t, url)
  const sizes: number[] = []
  c.ws.on('message', (d: Buffer) => sizes.push(d.length))
  return { ...c, sizes }
}

const consecutive = (events: StreamEvent[], first: number) => events.every((e, i) => e.seq === first + i)

t.test('a full catch-up goes out in parts of bounded size: every event once, in order, then live', async (t) => {
  const { app, url, tick } = await server(t)
  tick(4 * 60_000) // inside the buffer's five minutes: it still holds every live event
  const limit = app.hub.options.catchupFrameBytes
  const c = await sizedClient(t, url)
  const all = await catchUp(c, ['*'], { lastSeq: 0 })
  const frames = c.inbox.map((m, i) => [m, c.sizes[i]!] as const).filter(([m]) => m.type === 'catchup')
  const bytes = frames.reduce((a, [, n]) => a + n, 0)
  t.ok(all.parts.length >= 2, `${all.events.length} events, ${bytes} bytes: more than one part (${all.parts.length})`)
  t.ok(
    frames.every(([, n]) => n <= limit),
    `every part within ${limit} bytes (largest ${Math.max(...frames.map(([, n]) => n))})`,
  )
  t.same(
    all.parts.map((p) => p.part),
    all.parts.map((_, i) => i + 1),
    'parts numbered from 1',
  )
  t.same(
    all.parts.map((p) => [p.final, p.complete]),
    all.parts.map((_, i) => (i === all.parts.length - 1 ? [true, true] : [false, false])),
    'only the last part is final; complete is true there only (an earlier part does not hold everything)',
  )
  t.equal(new Set(all.parts.map((p) => p.catchUpEndTime)).size, 1, 'one catchUpEndTime for the whole catch-up')
  t.same(
    all.parts.flatMap((p) => schemaErrors(WsCatchup, p)),
    [],
    'each part is the WsCatchup shared-types declares',
  )
  const last = await newestSeq(app)
  t.ok(all.events.length === last && consecutive(all.events, 1), `seq 1..${last} across the parts, no gap, no duplicate`)
  tick(60_000)
  await c.until(() => eventsOf(c.inbox).length > last)
  const seen = eventsOf(c.inbox)
  t.ok(consecutive(seen, 1), `then live from ${last + 1}: ${seen.length} events in one unbroken run`)
})

t.test('live events and topic changes wait behind a running catch-up', async (t) => {
  const { app, url, tick } = await server(t, { websocket: { catchupFrameBytes: 4096 } })
  tick(2 * 60_000)
  const c = await client(t, url)
  c.send({ type: 'subscribe', topics: ['*'], lastSeq: 0 })
  c.send({ type: 'subscribe', topics: ['api.*'] })
  // The world moves on while the parts are being written.
  let ticks = 0
  const moving = setInterval(() => {
    if (catchUpsOf(c.inbox).length === 0 && ticks < 30) (ticks++, tick(1000))
  }, 1)
  // Hundreds of small parts, each after the previous one was written: allow for a busy machine.
  for (let i = 0; i < 10 && catchUpsOf(c.inbox).length === 0; i++) await c.until(() => catchUpsOf(c.inbox).length > 0).catch(() => {})
  clearInterval(moving)
  t.ok(catchUpsOf(c.inbox).length > 0, 'the catch-up finished')
  t.ok(ticks > 0, `the world moved ${ticks} s while the catch-up was written`)
  await c.next((m) => m.type === 'subscribed' && (m.topics as string[])[0] === 'api.*')
  const finalAt = c.inbox.findIndex((m) => m.type === 'catchup' && m.final === true)
  const firstLive = c.inbox.findIndex((m) => m.type === 'batch' || m.type === 'event')
  const resubscribed = c.inbox.findIndex((m) => m.type === 'subscribed' && (m.topics as string[])[0] === 'api.*')
  t.ok(firstLive === -1 || firstLive > finalAt, 'no live event before the final part')
  t.ok(resubscribed > finalAt, 'the second subscribe was answered after the catch-up it followed')
  // Everything up to the switch, once and in order: the catch-up, then what was held behind it.
  const events = eventsOf(c.inbox.slice(0, resubscribed))
  t.ok(consecutive(events, 1), `${events.length} events from seq 1, no gap, no duplicate`)
  const held = eventsOf(c.inbox.slice(finalAt + 1, resubscribed))
  t.ok(held.length > 0, `${held.length} live events were held behind the catch-up and delivered right after it`)
  tick(60_000)
  await c.next((m) => c.inbox.indexOf(m) > resubscribed && (m.type === 'batch' || m.type === 'event'))
  t.ok(
    eventsOf(c.inbox.slice(resubscribed)).every((e) => e.stream.startsWith('api.')),
    'then the new topics',
  )
  t.equal(app.hub.stats.catchups, 1)
})

t.test('a catch-up past the connection’s or the address’s budget is an error and changes nothing', async (t) => {
  let clock = 0
  const { app, url, tick } = await server(t, { websocket: { catchupsPerMinute: 2, catchupsPerIpPerMinute: 3, now: () => clock } })
  tick(60_000)
  const point = { lastSeq: (await newestSeq(app)) - 20 }
  const a = await client(t, url)
  for (let i = 0; i < 2; i++) t.equal((await catchUp(a, ['session.*'], point)).complete, true, `catch-up ${i + 1} of the connection's 2`)
  const before = a.inbox.length
  a.send({ type: 'subscribe', topics: ['api.*'], ...point })
  const refused = await a.next((m) => m.type === 'error')
  t.match(refused, { code: 'CATCHUP_RATE_LIMITED', message: /a connection may ask for 2 catch-ups a minute.*nothing changed/ })
  t.ok((refused.retryAfterSeconds as number) >= 1, `retry in ${String(refused.retryAfterSeconds)} s`)
  t.same(schemaErrors(WsError, refused), [], 'the WsError shared-types declares')
  t.same(
    a.inbox.slice(before).map((m) => m.type),
    ['error'],
    'no subscribed, no catchup',
  )
  a.inbox.length = 0
  tick(60_000)
  await a.next((m) => m.type === 'batch')
  t.ok(
    eventsOf(a.inbox).every((e) => e.stream.startsWith('session.')),
    'still subscribed to what it was',
  )

  const b = await client(t, url)
  await catchUp(b, ['session.*'], point)
  b.send({ type: 'subscribe', topics: ['session.*'], ...point })
  t.match(await b.next((m) => m.type === 'error'), { code: 'CATCHUP_RATE_LIMITED', message: /connections from this address may ask for 3/ })
  b.send({ type: 'subscribe', topics: ['api.*'] })
  await b.next((m) => m.type === 'subscribed' && (m.topics as string[])[0] === 'api.*')
  t.pass('a subscribe without a catch-up is not budgeted')
  clock += 60_000
  t.ok((await catchUp(b, ['api.*'], point)).events.length > 0, 'a minute later the address may catch up again')
  t.equal(app.hub.stats.catchupsRefused, 2)
  const metrics = (await app.inject('/metrics')).body
  t.match(metrics, /^marketsim_ws_catchups_refused_total 2$/m, 'refusals are counted in /metrics')
})

t.test('a client that does not read its catch-up is closed as a slow consumer', async (t) => {
  const { app, url, tick } = await server(t, { websocket: { maxBufferBytes: 256 * 1024 } })
  tick(30 * 60_000)
  const slow = await client(t, url)
  const closed = new Promise<number>((r) => slow.ws.once('close', (code) => r(code)))
  const socket = (slow.ws as unknown as { _socket: net.Socket })._socket
  socket.pause()
  slow.send({ type: 'subscribe', topics: ['*'], lastSeq: 0 })
  // The world moves on; what the stalled client would be owed piles up behind its catch-up.
  for (let i = 0; i < 400 && app.hub.size > 0; i++) {
    tick(5_000)
    await new Promise((r) => setTimeout(r, 5))
  }
  t.equal(app.hub.size, 0, 'the hub let go of it')
  t.equal(app.hub.stats.slowDisconnects, 1)
  socket.resume()
  t.equal(await closed, 4008, 'closed with 4008 (reconnect and catch up)')
})

/** Latency percentiles of a list of milliseconds. */
function percentiles(ms: number[]): { n: number; p50: number; p99: number; max: number } {
  const s = [...ms].sort((a, b) => a - b)
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 10) / 10
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: at(1) }
}

t.test('/api/health stays responsive while five full catch-ups a second run', async (t) => {
  const { app, url, tick } = await server(t, { websocket: { catchupsPerIpPerMinute: 100_000 } })
  tick(30 * 60_000)
  const health = url.replace('ws://', 'http://').replace('/ws', '/api/health')
  const sample = async (until: () => boolean, out: number[]) => {
    while (!until()) {
      const t0 = performance.now()
      const res = await fetch(health)
      await res.arrayBuffer()
      out.push(performance.now() - t0)
      if (res.status !== 200) throw new Error(`health answered ${res.status}`)
      await new Promise((r) => setTimeout(r, 10))
    }
  }
  const idle: number[] = []
  const idleUntil = performance.now() + 1000
  await sample(() => performance.now() > idleUntil, idle)

  // Fresh connections asking for everything, as in the report; frames are counted, not parsed.
  const total = { started: 0, finished: 0, bytes: 0, largest: 0 }
  const sockets: WebSocket[] = []
  t.teardown(() => sockets.forEach((s) => s.terminate()))
  const open = () => {
    const ws = new WebSocket(url)
    sockets.push(ws)
    total.started++
    ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', topics: ['*'], lastSeq: 0 })))
    ws.on('message', (d: Buffer) => {
      total.bytes += d.length
      total.largest = Math.max(total.largest, d.length)
      if (d.subarray(0, 160).includes('"final":true')) (total.finished++, ws.terminate())
    })
  }
  const loaded: number[] = []
  const seconds = 4
  const start = performance.now()
  const opener = setInterval(() => total.started < seconds * 5 && open(), 200)
  open()
  await sample(() => performance.now() - start > seconds * 1000, loaded)
  clearInterval(opener)
  for (let i = 0; i < 200 && total.finished < total.started; i++) await new Promise((r) => setTimeout(r, 50))

  const before = percentiles(idle)
  const during = percentiles(loaded)
  const perCatchUp = Math.round(total.bytes / Math.max(1, total.finished))
  t.comment(`health idle: p50 ${before.p50} ms, p99 ${before.p99} ms (${before.n} requests)`)
  t.comment(`health under ${total.started} full catch-ups in ${seconds} s (${perCatchUp} bytes each, largest frame ${total.largest}): p50 ${during.p50} ms, p99 ${during.p99} ms, max ${during.max} ms (${during.n} requests)`)
  t.equal(total.finished, total.started, `all ${total.started} catch-ups were delivered in full`)
  t.ok(perCatchUp > 10 * app.hub.options.catchupFrameBytes, `each catch-up was a big one (${perCatchUp} bytes)`)
  t.ok(total.largest <= app.hub.options.catchupFrameBytes, 'in frames within the bound')
  t.ok(during.p99 < 250, `health p99 under load ${during.p99} ms < 250 ms`)
})
