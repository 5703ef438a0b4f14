/**
 * The detector lab's labelled windows: one per stream and applied effect where the count moves
 * beyond the threshold, widened around it as NAB does, agreeing with the ground truth; bad input
 * is a 400 in the envelope.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { main } from '../server/src/detector/cli.js'
import { main as exportMain } from '../server/src/export/cli.js'
import { build, iso, TEST_START } from './helpers.js'

const HOUR = 3_600_000

t.test('windows of a payment outage: the failed share and the failures, widened, agreeing with the truth', async (t) => {
  const app = await build(t, { simulation: { historyDays: 3 } })
  const res = await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'payment-outage', startTime: iso(TEST_START - 6 * HOUR) } })
  t.equal(res.statusCode, 200)
  const range = `start=${iso(TEST_START - 8 * HOUR)}&end=${iso(TEST_START)}`
  const body = (await app.inject(`/api/detector/windows?${range}`)).json()
  t.match(body, { threshold: 0.1, convention: /NAB/ })
  const outage = body.windows.filter((w: { cause: { id: string } }) => w.cause.id === 'mod_001')
  const streams = new Set(outage.map((w: { stream: string }) => w.stream))
  for (const s of ['payment_gateway.transaction.status', 'customer.subscription.payment_failure', 'customer.subscription.payment_success']) t.ok(streams.has(s), `${s} has a window`)
  const failures = outage.find((w: { stream: string }) => w.stream === 'customer.subscription.payment_failure')
  const onset = TEST_START - 6 * HOUR
  t.ok(Date.parse(failures.start) < onset && Date.parse(failures.start) >= onset - HOUR, `opens a little before the onset (${failures.start})`)
  t.ok(failures.peakFactor > 4, `peak ×${failures.peakFactor}`)
  // Every window lies over an effect the ground truth lists for its stream and cause.
  const truth = (await app.inject(`/api/simulation/ground-truth?${range}`)).json().effects as Array<{ stream: string; cause: { id: string }; onset: string; factors: Array<{ timestamp: string }> }>
  for (const w of body.windows) {
    const listed = truth.some((e) => e.stream === w.stream && e.cause.id === w.cause.id && Date.parse(e.factors[0]!.timestamp) < Date.parse(w.end))
    if (!listed) t.fail(`${w.stream} ${w.cause.id}: not in the ground truth`)
  }
  const strict = (await app.inject(`/api/detector/windows?${range}&threshold=3`)).json()
  t.ok(strict.windows.length < body.windows.length, 'a higher threshold keeps fewer windows')
  t.ok(strict.windows.every((w: { peakFactor: number }) => Math.abs(w.peakFactor - 1) > 3), 'only those beyond it')
  const one = (await app.inject(`/api/detector/windows?${range}&streams=customer.subscription.payment_failure`)).json()
  t.ok(one.windows.length > 0 && one.windows.every((w: { stream: string }) => w.stream === 'customer.subscription.payment_failure'), 'filtered by stream')
})

t.test('bad input: a 400 in the envelope', async (t) => {
  const app = await build(t, { simulation: { historyDays: 3 } })
  const range = `start=${iso(TEST_START - 8 * HOUR)}&end=${iso(TEST_START)}`
  const cases: Array<[string, string]> = [
    [`start=yesterday&end=${iso(TEST_START)}`, 'INVALID_TIME_RANGE'],
    [`start=${iso(TEST_START)}&end=${iso(TEST_START - HOUR)}`, 'INVALID_TIME_RANGE'],
    [`start=${iso(TEST_START - 30 * 24 * HOUR)}&end=${iso(TEST_START)}`, 'INVALID_TIME_RANGE'],
    [`${range}&streams=no.such.stream`, 'STREAM_NOT_FOUND'],
    [`${range}&threshold=0`, 'INVALID_REQUEST'],
    [`${range}&threshold=abc`, 'INVALID_REQUEST'],
    [`end=${iso(TEST_START)}`, 'INVALID_REQUEST'],
  ]
  for (const [query, code] of cases) {
    const res = await app.inject(`/api/detector/windows?${query}`)
    t.equal(res.statusCode, 400, query)
    t.equal(res.json().error.code, code, `${query}: ${code}`)
  }
})

t.test('scoring: no flags 0, a flag at every window start 100, a late flag and a false alarm in between', async (t) => {
  const app = await build(t, { simulation: { historyDays: 3 } })
  await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'payment-outage', startTime: iso(TEST_START - 6 * HOUR) } })
  const start = iso(TEST_START - 8 * HOUR)
  const end = iso(TEST_START)
  const streams = ['customer.subscription.payment_failure', 'payment_gateway.transaction.status']
  const windows = (await app.inject(`/api/detector/windows?start=${start}&end=${end}&streams=${streams.join(',')}`)).json().windows as Array<{ stream: string; start: string; end: string }>
  t.ok(windows.length >= 2, `${windows.length} windows`)
  const score = async (flags: Array<{ stream: string; timestamp: string }>) => {
    const res = await app.inject({ method: 'POST', url: '/api/detector/score', payload: { start, end, streams, flags } })
    t.equal(res.statusCode, 200, res.body.slice(0, 200))
    return res.json()
  }
  const none = await score([])
  t.same(none.scores, { standard: 0, reward_low_FP: 0, reward_low_FN: 0 }, 'the null detector')
  t.equal(none.overall.missed, none.overall.windows)
  const perfect = await score(windows.map((w) => ({ stream: w.stream, timestamp: w.start })))
  t.same(perfect.scores, { standard: 100, reward_low_FP: 100, reward_low_FN: 100 }, 'the perfect detector')
  t.equal(perfect.overall.truePositives, perfect.overall.windows)
  for (const s of streams) for (const d of perfect.streams[s].detections) t.equal(d.timeToDetectSeconds, 0)
  const late = await score([{ stream: windows[0]!.stream, timestamp: new Date(Date.parse(windows[0]!.end) - 60_000).toISOString() }, { stream: streams[0]!, timestamp: iso(TEST_START - 7.9 * HOUR) }])
  t.ok(late.scores.standard > 0 && late.scores.standard < 100, `one late detection and a false alarm: ${late.scores.standard}`)
  t.equal(late.overall.falsePositives, 1)
  t.ok(late.overall.falseAlarmsPerBaselineDay > 0)
  t.ok(late.scores.reward_low_FP < late.scores.standard, 'the false alarm costs more where false alarms weigh more')
})

t.test('scoring: bad input is a 400 in the envelope and nothing else', async (t) => {
  const app = await build(t, { simulation: { historyDays: 3 } })
  const start = iso(TEST_START - 8 * HOUR)
  const end = iso(TEST_START)
  const post = (payload: unknown) => app.inject({ method: 'POST', url: '/api/detector/score', payload: payload as Record<string, unknown> })
  const flag = (stream: string, timestamp: string) => ({ stream, timestamp })
  const cases: Array<[string, unknown, string]> = [
    ['a flag outside the range', { start, end, flags: [flag('customer.tutor.search', iso(TEST_START - 9 * HOUR))] }, 'INVALID_REQUEST'],
    ['an unknown stream', { start, end, flags: [flag('no.such.stream', iso(TEST_START - HOUR))] }, 'STREAM_NOT_FOUND'],
    ['an unknown watched stream', { start, end, streams: ['no.such.stream'], flags: [] }, 'STREAM_NOT_FOUND'],
    ['an unparseable time', { start, end, flags: [flag('customer.tutor.search', 'yesterday')] }, 'INVALID_REQUEST'],
    ['a flag on a stream not watched', { start, end, streams: ['customer.tutor.search'], flags: [flag('support.ticket.created', iso(TEST_START - HOUR))] }, 'INVALID_REQUEST'],
    ['a range ending before it starts', { start: end, end: start, flags: [] }, 'INVALID_TIME_RANGE'],
    ['no flags field', { start, end }, 'INVALID_REQUEST'],
  ]
  for (const [what, payload, code] of cases) {
    const res = await post(payload)
    t.equal(res.statusCode, 400, what)
    t.equal(res.json().error.code, code, `${what}: ${code}`)
  }
  const tooMany = await post({ start, end, flags: Array.from({ length: 1_000_001 }, () => flag('customer.tutor.search', iso(TEST_START - HOUR))) })
  t.equal(tooMany.statusCode, 400, 'more than a million flags')
  t.equal(tooMany.json().error.code, 'INVALID_REQUEST')
})

t.test('labels: a CSV series in the field\'s layout, anomalous exactly where a window lies', async (t) => {
  const app = await build(t, { simulation: { historyDays: 3 } })
  await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'payment-outage', startTime: iso(TEST_START - 6 * HOUR) } })
  const start = iso(TEST_START - 8 * HOUR)
  const end = iso(TEST_START)
  const stream = 'customer.subscription.payment_failure'
  const res = await app.inject(`/api/detector/labels?start=${start}&end=${end}&stream=${stream}&interval=15m`)
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /text\/csv/)
  const [header, ...rows] = res.body.trim().split('\n')
  t.equal(header, 'timestamp,value,is_anomaly')
  t.equal(rows.length, 32, 'eight hours of quarter hours')
  const history = (await app.inject(`/api/simulation/history?start=${start}&end=${end}&interval=15m&streams=${stream}`)).json().streams[stream] as Array<{ timestamp: string; value: number }>
  const windows = (await app.inject(`/api/detector/windows?start=${start}&end=${end}&streams=${stream}`)).json().windows as Array<{ start: string; end: string }>
  rows.forEach((line, i) => {
    const [ts, value, flag] = line.split(',')
    t.equal(ts, history[i]!.timestamp)
    t.equal(Number(value), history[i]!.value, `${ts}: the history's count`)
    const a = Date.parse(ts!)
    const inside = windows.some((w) => Date.parse(w.start) < a + 15 * 60_000 && Date.parse(w.end) > a)
    t.equal(flag, inside ? '1' : '0', `${ts}: labelled as the windows say`)
  })
  t.ok(rows.some((l) => l.endsWith(',1')) && rows.some((l) => l.endsWith(',0')), 'both labels occur')
  const bad = await app.inject(`/api/detector/labels?start=${start}&end=${end}&stream=no.such`)
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().error.code, 'STREAM_NOT_FOUND')
})

t.test('npm run score: the same answer offline, from the options that name the world', async (t) => {
  const app = await build(t, { simulation: { historyDays: 3 } })
  const at = iso(TEST_START - 6 * HOUR)
  await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'payment-outage', startTime: at } })
  const start = iso(TEST_START - 8 * HOUR)
  const end = iso(TEST_START)
  const streams = ['customer.subscription.payment_failure', 'support.ticket.created']
  const flags = [
    { stream: streams[0]!, timestamp: iso(TEST_START - 5.5 * HOUR) },
    { stream: streams[1]!, timestamp: iso(TEST_START - 7.5 * HOUR) },
    { stream: streams[1]!, timestamp: iso(TEST_START - 4 * HOUR) },
  ]
  const online = (await app.inject({ method: 'POST', url: '/api/detector/score', payload: { start, end, streams, flags } })).json()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'score-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'flags.ndjson')
  fs.writeFileSync(file, flags.map((f) => JSON.stringify(f)).join('\n') + '\n')
  const out: string[] = []
  const err: string[] = []
  const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } } as never
  const world = ['--seed', '42', '--start', iso(TEST_START), '--history-days', '3', '--scenario', `payment-outage@${at}`, '--streams', streams.join(',')]
  const code = await main(['--flags', file, '--from', start, '--to', end, ...world], io)
  t.equal(code, 0, err.join(''))
  t.same(JSON.parse(out.join('')), online, 'byte for byte what the server answers')
  const bad = await main(['--flags', file, '--from', start, '--to', iso(TEST_START - 7 * HOUR), ...world], io)
  t.equal(bad, 2, 'a flag outside --from/--to is a usage error')
  t.match(err.join(''), /flags.ndjson:1: .* lies outside --from\/--to/)
})

t.test('export --dataset: one CSV per stream, windows.json as NAB has it, a README; the same bytes twice; the labels the server gives', async (t) => {
  const app = await build(t, { simulation: { historyDays: 3 } })
  const at = iso(TEST_START - 6 * HOUR)
  await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'payment-outage', startTime: at } })
  const start = iso(TEST_START - 8 * HOUR)
  const end = iso(TEST_START)
  const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'dataset-')))
  t.teardown(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })))
  const err: string[] = []
  const io = { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s) } } as never
  const streams = 'customer.subscription.payment_failure,support.ticket.created,customer.tutor.search'
  for (const dir of dirs) {
    const code = await exportMain(['--from', start, '--to', end, '--seed', '42', '--start', iso(TEST_START), '--history-days', '3', '--scenario', `payment-outage@${at}`, '--streams', streams, '--interval', '15m', '--dataset', dir], io)
    t.equal(code, 0, err.join(''))
  }
  const files = fs.readdirSync(dirs[0]!).sort()
  t.same(files, ['README', 'customer.subscription.payment_failure.csv', 'customer.tutor.search.csv', 'support.ticket.created.csv', 'windows.json'])
  for (const f of files) t.ok(fs.readFileSync(path.join(dirs[0]!, f)).equals(fs.readFileSync(path.join(dirs[1]!, f))), `${f}: the same bytes twice`)
  const combined = JSON.parse(fs.readFileSync(path.join(dirs[0]!, 'windows.json'), 'utf8')) as Record<string, string[][]>
  t.ok(combined['customer.subscription.payment_failure.csv']!.length >= 1, 'the failures have a window')
  t.ok(Object.values(combined).every((ws) => ws.every((w) => w.length === 2 && Date.parse(w[0]!) < Date.parse(w[1]!))), '[[start, end], …] per file')
  t.match(fs.readFileSync(path.join(dirs[0]!, 'README'), 'utf8'), /seed 42[\s\S]*payment-outage \(mod_001\) from[\s\S]*Threshold[\s\S]*Made again, identically, by: npm run -s export -- /)
  for (const stream of streams.split(',')) {
    const online = await app.inject(`/api/detector/labels?start=${start}&end=${end}&stream=${stream}&interval=15m`)
    t.equal(fs.readFileSync(path.join(dirs[0]!, `${stream}.csv`), 'utf8'), online.body, `${stream}: the labels the server gives`)
  }
})

t.test('a suite by name: the same dataset on every run, with the surge it schedules labelled', async (t) => {
  const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'suite-')))
  t.teardown(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })))
  const err: string[] = []
  const io = { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s) } } as never
  for (const dir of dirs) t.equal(await exportMain(['--suite', 'gentle-3d', '--streams', 'customer.tutor.search,session.booking.requested', '--dataset', dir], io), 0, err.join(''))
  for (const f of fs.readdirSync(dirs[0]!)) t.ok(fs.readFileSync(path.join(dirs[0]!, f)).equals(fs.readFileSync(path.join(dirs[1]!, f))), `${f}: identical`)
  const windows = JSON.parse(fs.readFileSync(path.join(dirs[0]!, 'windows.json'), 'utf8')) as Record<string, string[][]>
  const surge = Date.parse('2026-11-18T15:00:00Z')
  t.ok(windows['customer.tutor.search.csv']!.some(([a, b]) => Date.parse(a!) <= surge && surge < Date.parse(b!)), 'the surge of 18 November is inside a window')
  t.match(fs.readFileSync(path.join(dirs[0]!, 'README'), 'utf8'), /--suite gentle-3d/)
  t.equal(await exportMain(['--suite', 'gentle-3d', '--seed', '3', '--dataset', dirs[0]!], io), 2, 'a suite fixes its world')
  t.equal(await exportMain(['--suite', 'no-such', '--dataset', dirs[0]!], io), 2)
  t.match(err.join(''), /no such suite \(.*standard-7d/)
})
