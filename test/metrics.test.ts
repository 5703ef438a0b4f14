/**
 * GET /metrics as a Prometheus scraper reads it: the text is parsed here (not by the module
 * that wrote it) and every figure is checked against what clients saw. The clock and the
 * flushes are driven by the test; no assertion depends on how fast anything ran.
 */
import t from 'tap'
import { TEST_START, build } from './helpers.js'
import { catchUp, client, eventsOf, server, slowAndFast } from './ws-helpers.js'

type App = Awaited<ReturnType<typeof build>>
interface Family {
  help?: string
  type?: string
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>
}

/** A strict reader of the 0.0.4 text format: HELP/TYPE comments, then `name{labels} value` lines. */
function parse(text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  const family = (name: string) => families.get(name) ?? families.set(name, { samples: [] }).get(name)!
  const owner = (name: string) => [...families.keys()].find((f) => name === f || ['_bucket', '_sum', '_count'].some((s) => name === f + s))
  for (const line of text.split('\n')) {
    if (line === '') continue
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line)
    if (meta) {
      if (meta[1] === 'HELP') family(meta[2]!).help = meta[3]
      else family(meta[2]!).type = meta[3]
      continue
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`unparseable line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c))
    const name = m[1]!
    const f = owner(name)
    if (!f) throw new Error(`sample before its HELP/TYPE: ${line}`)
    families.get(f)!.samples.push({ name, labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) })
  }
  return families
}

async function scrape(app: App) {
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  return { res, metrics: parse(res.body) }
}

/** The value of the sample `name` whose labels include `labels` (0 when the series does not exist yet). */
function value(metrics: Map<string, Family>, family: string, labels: Record<string, string> = {}, name = family): number {
  const s = metrics.get(family)?.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
  return s?.value ?? 0
}

t.test('Prometheus text: content type, HELP and TYPE for every family, counters in _total', async (t) => {
  const app = await build(t)
  const { res, metrics } = await scrape(app)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
  t.ok(res.body.endsWith('\n'), 'ends with a newline')
  for (const [name, f] of metrics) {
    t.ok(f.help && f.help.length > 0, `${name} has HELP`)
    t.ok(['counter', 'gauge', 'histogram'].includes(f.type ?? ''), `${name} has TYPE ${f.type}`)
    if (f.type === 'counter') t.match(name, /_total$/, `${name}: a counter ends in _total`)
  }
  for (const name of ['marketsim_ws_clients', 'marketsim_simulation_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'process_resident_memory_bytes', 'nodejs_heap_used_bytes', 'process_cpu_seconds_total']) {
    t.equal(metrics.get(name)?.samples.length, 1, `${name} present`)
  }
  // The standard process metrics a Node dashboard expects, beside the app's own.
  t.match(metrics.get('nodejs_version_info')?.samples[0]?.labels, { version: process.version }, 'the Node version')
  t.equal(metrics.get('nodejs_gc_duration_seconds')?.type, 'histogram', 'garbage-collection pauses')
  t.ok(value(metrics, 'process_resident_memory_bytes') > 0)
  t.ok(value(metrics, 'marketsim_simulation_lag_seconds') >= 0, 'the lag behind the clock is a number of seconds')
  t.equal(value(metrics, 'marketsim_simulation_ready'), 1)

  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  t.notOk('/metrics' in doc.paths, 'not part of the API reference')
})

t.test('events generated per stream: the history, then exactly the live events clients received', async (t) => {
  const { app, url, tick } = await server(t)
  const before = (await scrape(app)).metrics
  const streams = before.get('marketsim_events_generated_total')!.samples
  t.equal(streams.length, 50, 'one series per stream')
  // Weekly and rare streams (Friday payouts …) may have nothing in one day of history.
  const counted = streams.filter((s) => s.value > 0).length
  t.ok(counted >= 40, `the day of history is counted (${counted} streams with events)`)
  // The same count the history endpoint gives for a stream over its whole range.
  const { historyStartTime } = (await app.inject({ method: 'GET', url: '/api/simulation/clock' })).json()
  const q = `start=${historyStartTime}&end=${new Date(TEST_START).toISOString()}&streams=customer.tutor.search&interval=5m`
  const points: Array<{ value: number }> = (await app.inject({ method: 'GET', url: `/api/simulation/history?${q}` })).json().streams['customer.tutor.search']
  const sum = points.reduce((n, p) => n + p.value, 0)
  t.equal(value(before, 'marketsim_events_generated_total', { stream: 'customer.tutor.search' }), sum, `equals the history the API reports (${sum})`)

  const c = await client(t, url)
  c.send({ type: 'subscribe', topics: ['*'] })
  await c.next((m) => m.type === 'subscribed')
  tick(2 * 60_000)
  const emitted = app.simulation.sim.now
  await c.until(() => eventsOf(c.inbox).at(-1) !== undefined && Date.parse(eventsOf(c.inbox).at(-1)!.timestamp) >= emitted - 60_000)
  await c.settle()
  const received = new Map<string, number>()
  for (const e of eventsOf(c.inbox)) received.set(e.stream, (received.get(e.stream) ?? 0) + 1)
  t.ok(received.size > 20, `live events of ${received.size} streams`)
  const after = (await scrape(app)).metrics
  for (const { labels } of streams) {
    const grew = value(after, 'marketsim_events_generated_total', labels) - value(before, 'marketsim_events_generated_total', labels)
    if (grew !== (received.get(labels.stream!) ?? 0)) t.fail(`${labels.stream}: +${grew}, received ${received.get(labels.stream!) ?? 0}`)
  }
  t.pass('every stream grew by the events a `*` client received')
})

t.test('WebSocket clients: the gauge follows real connections', async (t) => {
  const { app, url } = await server(t)
  const clients = async () => value((await scrape(app)).metrics, 'marketsim_ws_clients')
  t.equal(await clients(), 0)
  const a = await client(t, url)
  const b = await client(t, url)
  await a.until(() => app.hub.size === 2)
  t.equal(await clients(), 2, 'two connected')
  a.ws.close()
  await b.until(() => app.hub.size === 1)
  t.equal(await clients(), 1, 'one left after a close')
})

t.test('messages and bytes sent are what the client received, emoji included', async (t) => {
  const { app, url, tick } = await server(t)
  const c = await client(t, url)
  c.send({ type: 'subscribe', topics: ['simulation', 'customer.*'] })
  await c.next((m) => m.type === 'simulation')
  await c.settle()
  const before = (await scrape(app)).metrics
  const [frames, bytes] = [c.inbox.length, c.bytes()]
  // payment-outage's external events carry icons (💳): 2 UTF-16 units, 4 bytes on the wire.
  await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'payment-outage' } })
  tick(60_000)
  await c.next((m) => m.type === 'external_event')
  await c.next((m) => m.type === 'batch')
  await c.settle()
  const after = (await scrape(app)).metrics
  const sent = value(after, 'marketsim_ws_messages_sent_total') - value(before, 'marketsim_ws_messages_sent_total')
  const sentBytes = value(after, 'marketsim_ws_sent_bytes_total') - value(before, 'marketsim_ws_sent_bytes_total')
  t.ok(sent >= 3, `frames sent: ${sent}`)
  t.equal(sent, c.inbox.length - frames, 'one message per frame received')
  t.equal(sentBytes, c.bytes() - bytes, `bytes: ${sentBytes}`)
})

t.test('a slow-consumer disconnect is counted', async (t) => {
  const { app, starve } = await slowAndFast(t)
  t.equal(value((await scrape(app)).metrics, 'marketsim_ws_slow_consumer_disconnects_total'), 0)
  await starve()
  const metrics = (await scrape(app)).metrics
  t.equal(value(metrics, 'marketsim_ws_slow_consumer_disconnects_total'), 1)
  t.equal(value(metrics, 'marketsim_ws_clients'), 1)
})

t.test('catch-ups are counted, complete or not', async (t) => {
  const { app, url, tick } = await server(t)
  tick(15 * 60_000) // past what the shared buffer holds of the busiest streams
  const c = await client(t, url)
  const old = await catchUp(c, ['api.request.log'], { lastSeq: 1 })
  t.equal(old.complete, false)
  const recent = old.events.at(-10)!.seq!
  t.equal((await catchUp(c, ['api.request.log'], { lastSeq: recent })).complete, true)
  await catchUp(c, ['api.request.log'], { lastSeq: recent })
  const metrics = (await scrape(app)).metrics
  t.equal(value(metrics, 'marketsim_ws_catchups_total', { complete: 'true' }), 2)
  t.equal(value(metrics, 'marketsim_ws_catchups_total', { complete: 'false' }), 1)
})

t.test('HTTP latency: a histogram per method, route pattern and status, cumulative buckets', async (t) => {
  const app = await build(t)
  const count = (m: Map<string, Family>, labels: Record<string, string>) =>
    value(m, 'marketsim_http_request_duration_seconds', labels, 'marketsim_http_request_duration_seconds_count')
  const stream = { method: 'GET', route: '/api/streams/:name', status_code: '200' }
  const before = (await scrape(app)).metrics
  for (const name of ['customer.tutor.search', 'api.request.log', 'session.booking.requested']) await app.inject(`/api/streams/${name}`)
  await app.inject('/api/streams/no.such.stream')
  await app.inject('/no/such/path-4f2a')
  const { metrics } = await scrape(app)
  t.equal(count(metrics, stream) - count(before, stream), 3, 'three requests under the route pattern, not three URLs')
  t.equal(count(metrics, { ...stream, status_code: '404' }), 1, 'the unknown stream under the same route, with its status')
  t.equal(count(metrics, { method: 'GET', route: '(unmatched)', status_code: '404' }), 1, 'an unknown path under one shared label')
  const family = metrics.get('marketsim_http_request_duration_seconds')!
  const routes = new Set(family.samples.map((x) => x.labels.route))
  t.notOk([...routes].some((r) => /4f2a|no\.such|tutor\.search/.test(r ?? '')), `no raw URL in a label: ${[...routes].join(' ')}`)
  t.equal(family.type, 'histogram')
  const buckets = family.samples.filter((s) => s.name.endsWith('_bucket') && s.labels.route === stream.route && s.labels.status_code === '200')
  t.ok(buckets.length > 5, `${buckets.length} buckets`)
  t.equal(buckets.at(-1)!.labels.le, '+Inf', 'the last bucket is +Inf')
  t.ok(buckets.every((b, i) => i === 0 || (Number(b.labels.le) > Number(buckets[i - 1]!.labels.le) || b.labels.le === '+Inf') && b.value >= buckets[i - 1]!.value), 'bounds increase, counts are cumulative')
  t.equal(buckets.at(-1)!.value, count(metrics, stream), '+Inf holds every request')
  t.ok(value(metrics, 'marketsim_http_request_duration_seconds', stream, 'marketsim_http_request_duration_seconds_sum') > 0, 'a sum of seconds')
  const next = (await scrape(app)).metrics
  t.equal(count(next, { method: 'GET', route: '/metrics', status_code: '200' }) - count(metrics, { method: 'GET', route: '/metrics', status_code: '200' }), 1, 'scrapes are timed too')
})

t.test('options are checked at boot', async (t) => {
  await t.rejects(build(t, { metrics: { eventLoopResolutionMs: 0 } }), /eventLoopResolutionMs must be a positive integer/)
})
