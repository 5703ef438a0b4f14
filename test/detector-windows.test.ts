/**
 * The detector lab's labelled windows: one per stream and applied effect where the count moves
 * beyond the threshold, widened around it as NAB does, agreeing with the ground truth; bad input
 * is a 400 in the envelope.
 */
import t from 'tap'
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
