/**
 * `npm run export` against the server: "same seed and start → the same events the server would
 * show", for windows after the live start, across it, and with a scenario run.
 */
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { StreamEvent } from '@marketsim/shared-types'
import { TEST_START, build } from './helpers.js'
import { MIN, WORLD, exportRun, iso, lines, parse, tmpDir } from './export-helpers.js'

/** The server's world with the same seed and start, and every event its live stream showed. */
async function serverWorld(tt: Parameters<typeof build>[0], until: number, before?: (app: Awaited<ReturnType<typeof build>>) => Promise<void>) {
  const app = await build(tt, { simulation: { seed: 7 } })
  const shown: StreamEvent[] = []
  app.simulation.sim.onLive((evs) => shown.push(...evs))
  await before?.(app)
  // The clock in irregular ticks, as a running server would move it.
  for (let at = app.simulation.sim.now; at < until; ) app.simulation.sim.advanceTo((at = Math.min(until, at + 37_000)))
  return { app, shown }
}

const within = (evs: StreamEvent[], from: number, to: number) => evs.filter((e) => Date.parse(e.timestamp) >= from && Date.parse(e.timestamp) < to)

t.test('a window after the live start holds exactly the events the server showed, seq and all, and its ground truth', async (t) => {
  const from = TEST_START + 5 * MIN
  const to = TEST_START + 15 * MIN
  const { app, shown } = await serverWorld(t, TEST_START + 20 * MIN)
  const dir = tmpDir(t)
  const out = path.join(dir, 'events.ndjson')
  const r = await exportRun([...WORLD, '--from', iso(from), '--to', iso(to), '--out', out, '--truth'])
  t.equal(r.code, 0, r.stderr)
  const exported = parse(fs.readFileSync(out, 'utf8'))
  const expected = within(shown, from, to)
  t.ok(expected.length > 10_000, `a busy window (${expected.length} events)`)
  t.equal(exported.length, expected.length)
  t.ok(JSON.stringify(exported) === JSON.stringify(expected), 'stream, timestamp, data, seq, normalizedValue and anomalyFlag all equal')

  const truth = lines(fs.readFileSync(`${out}.truth.ndjson`, 'utf8')).map((l) => JSON.parse(l))
  const served = (await app.inject(`/api/simulation/ground-truth?start=${iso(from)}&end=${iso(to)}`)).json()
  t.ok(truth.length > 0, `${truth.length} effects`)
  t.same(truth, served.effects, 'the truth file is what GET /api/simulation/ground-truth answers for the window')
  t.match(r.stderr, /^export: [\d,]+ events and \d+ ground-truth effects to .*events\.ndjson in [\d.]+ s/, 'one summary line on a non-terminal')
  t.equal(lines(r.stderr).length, 1)
})

t.test('a scenario given as --scenario id@time bends the export as the server activation did', async (t) => {
  const at = TEST_START + 2 * MIN
  const from = TEST_START + 10 * MIN
  const to = TEST_START + 20 * MIN
  const { app, shown } = await serverWorld(t, to, async (app) => {
    app.simulation.sim.advanceTo(at)
    const res = await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'payment-outage' } })
    t.equal(res.statusCode, 200)
  })
  const streams = ['payment_gateway.transaction.status', 'customer.subscription.payment_failure']
  const r = await exportRun([...WORLD, '--from', iso(from), '--to', iso(to), '--scenario', `payment-outage@${iso(at)}`, '--streams', streams.join(',')])
  t.equal(r.code, 0, r.stderr)
  const exported = parse(r.stdout)
  const expected = within(shown, from, to).filter((e) => streams.includes(e.stream))
  const failed = expected.filter((e) => e.stream === 'payment_gateway.transaction.status' && e.data.status === 'failed')
  t.ok(failed.length > expected.length / 2, `most gateway attempts fail during the outage (${failed.length})`)
  t.ok(JSON.stringify(exported) === JSON.stringify(expected), 'the same events as the server with the scenario')
  const truth = (await app.inject(`/api/simulation/ground-truth?start=${iso(from)}&end=${iso(to)}`)).json()
  t.ok(truth.effects.some((e: { cause: { scenarioId?: string } }) => e.cause.scenarioId === 'payment-outage'), 'the server ran it')
})

t.test('windows before the live start run into its numbering, and overlapping windows agree', async (t) => {
  const { shown } = await serverWorld(t, TEST_START + 5 * MIN)
  const a = await exportRun([...WORLD, '--from', iso(TEST_START - 10 * MIN), '--to', iso(TEST_START - 2 * MIN)])
  const b = await exportRun([...WORLD, '--from', iso(TEST_START - 5 * MIN), '--to', iso(TEST_START + 5 * MIN)])
  t.equal(a.code, 0, a.stderr)
  t.equal(b.code, 0, b.stderr)
  const early = parse(a.stdout)
  const across = parse(b.stdout)
  const history = across.filter((e) => e.seq! <= 0)
  t.ok(history.length > 1000, `${history.length} events before the start`)
  t.equal(history.at(-1)!.seq, 0, 'the last event before the live start is seq 0')
  t.ok(history.every((e, i) => e.seq === history[0]!.seq! + i), 'numbered without gaps')
  t.ok(JSON.stringify(across.filter((e) => e.seq! > 0)) === JSON.stringify(shown), 'after the start: what the server showed')
  const overlap = (evs: StreamEvent[]) => JSON.stringify(within(evs, TEST_START - 5 * MIN, TEST_START - 2 * MIN))
  t.ok(overlap(early).length > 1000 && overlap(early) === overlap(across), 'the overlap of two windows is the same events, payloads and seq')
})


t.test('--journal exports the world a server holds: its seed, start, scenario runs and their stops', async (t) => {
  const state = tmpDir(t)
  const app = await build(t, { stateDir: state, simulation: { seed: 7 } })
  const shown: StreamEvent[] = []
  app.simulation.sim.onLive((evs) => shown.push(...evs))
  const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload })
  app.simulation.sim.advanceTo(TEST_START + 2 * MIN)
  t.equal((await post('/api/simulation/scenario', { scenarioId: 'payment-outage' })).statusCode, 200)
  for (let at = app.simulation.sim.now; at < TEST_START + 12 * MIN; ) app.simulation.sim.advanceTo((at = Math.min(TEST_START + 12 * MIN, at + 37_000)))
  t.equal((await post('/api/simulation/stop', {})).statusCode, 200)
  for (let at = app.simulation.sim.now; at < TEST_START + 20 * MIN; ) app.simulation.sim.advanceTo((at = Math.min(TEST_START + 20 * MIN, at + 37_000)))

  const from = TEST_START + 5 * MIN
  const to = TEST_START + 20 * MIN
  const streams = ['payment_gateway.transaction.status', 'customer.subscription.payment_failure']
  // No --seed, --start or --history-days: the journal says which world.
  const r = await exportRun(['--journal', state, '--from', iso(from), '--to', iso(to), '--streams', streams.join(',')])
  t.equal(r.code, 0, r.stderr)
  const exported = parse(r.stdout)
  const expected = within(shown, from, to).filter((e) => streams.includes(e.stream))
  const failing = (es: StreamEvent[]) => es.filter((e) => e.stream === 'payment_gateway.transaction.status' && e.data.status === 'failed').length
  // A few attempts a minute: judged by the failed share, which the outage sets to 95%.
  const attempts = (es: StreamEvent[]) => es.filter((e) => e.stream === 'payment_gateway.transaction.status').length
  const share = (a: number, b: number) => failing(within(expected, a, b)) / Math.max(1, attempts(within(expected, a, b)))
  const during = share(from, TEST_START + 12 * MIN)
  t.ok(during >= 0.5, `the outage in what the server showed: ${(100 * during).toFixed(0)}% of attempts failed (4.7% in the baseline)`)
  t.ok(JSON.stringify(exported) === JSON.stringify(expected), 'the export holds the same events, the stop included')

  const clash = await exportRun(['--journal', state, '--seed', '8', '--from', iso(from), '--to', iso(to)])
  t.equal(clash.code, 2)
  t.match(clash.stderr, /--seed 8 differs from the journal's 7/)
  const both = await exportRun(['--journal', state, '--scenario', `payment-outage@${iso(from)}`, '--from', iso(from), '--to', iso(to)])
  t.equal(both.code, 2)
  t.match(both.stderr, /leave --scenario out/)
  const none = await exportRun(['--journal', tmpDir(t), '--from', iso(from), '--to', iso(to)])
  t.match(none.stderr, /no journal\.ndjson there/)
})
