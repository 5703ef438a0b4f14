/**
 * The same answers before and after: for a fixed seed and start, what the API says about one
 * world (history of every stream at three intervals, ten simulated minutes of live events, a
 * scenario run's ground truth, the state) is compared byte for byte with the files under
 * test/golden/. A restructuring that changes no answer leaves them equal; a change that is
 * meant to move the numbers regenerates them on purpose, and the diff shows what moved:
 *
 *   UPDATE_GOLDEN=1 npx tap test/golden.test.ts
 *
 * The clock is driven by the test (no tick, a standing wall clock), so the run is the same on
 * any machine at any speed.
 */
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import t from 'tap'
import type { StreamEvent } from '@marketsim/shared-types'
import { ROOT_DIR, build, iso } from './helpers.js'

const DIR = path.join(ROOT_DIR, 'test', 'golden')
const UPDATE = process.env.UPDATE_GOLDEN === '1'
const SEED = 42
const START = Date.parse('2026-11-20T12:00:00Z')
const HISTORY_DAYS = 3
const MINUTE = 60_000
/** Live events are read from GET /api/simulation/events after every step this long (well under its 1,000-event limit). */
const STEP = 15_000

/** Where two JSON values first differ, as a path a reader can follow (`streams["x"][17].value`). */
function firstDifference(want: unknown, got: unknown, at = ''): { at: string; want: unknown; got: unknown; near?: Record<string, unknown> } | undefined {
  if (Object.is(want, got)) return undefined
  if (typeof want !== 'object' || typeof got !== 'object' || want === null || got === null || Array.isArray(want) !== Array.isArray(got)) return { at, want, got }
  const w = want as Record<string, unknown>
  const g = got as Record<string, unknown>
  const keys = Array.isArray(want) ? Array.from({ length: Math.max(w.length as number, g.length as number) }, (_, i) => String(i)) : [...new Set([...Object.keys(w), ...Object.keys(g)])]
  for (const k of keys) {
    const step = Array.isArray(want) ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`
    if (!(k in w) || !(k in g)) return { at: at + step, want: k in w ? w[k] : '(absent)', got: k in g ? g[k] : '(absent)' }
    const d = firstDifference(w[k], g[k], at + step)
    // The innermost object that says when or which (a point's timestamp, an event's seq) names the spot.
    if (d) return d.near || !('timestamp' in w || 'id' in w) ? d : { ...d, near: pick(w, ['seq', 'id', 'stream', 'timestamp']) }
  }
  // Same keys in another order: the bytes differ although every value is equal.
  if (Object.keys(w).join() !== Object.keys(g).join()) return { at: `${at} (key order)`, want: Object.keys(w), got: Object.keys(g) }
  return undefined
}

const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]))
const show = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 200)

/** Explains the first difference of two texts: JSON values or lines of JSON (one record each). */
function explain(name: string, want: string, got: string): string {
  const lines = name.endsWith('.jsonl')
  const ws = lines ? want.split('\n') : [want]
  const gs = lines ? got.split('\n') : [got]
  for (let i = 0; i < Math.max(ws.length, gs.length); i++) {
    if (ws[i] === gs[i]) continue
    const where = lines ? `line ${i + 1}` : ''
    if (ws[i] === undefined || gs[i] === undefined) return `${name}: ${where} ${ws[i] === undefined ? 'is extra' : 'is missing'} (${show(ws[i] ?? gs[i])})`
    const d = firstDifference(JSON.parse(ws[i]!), JSON.parse(gs[i]!))
    if (!d) return `${name}: ${where} differs in formatting only`
    return `${name}: first difference${where ? ` ${where}` : ''} at ${d.at || '(root)'}${d.near ? ` ${show(d.near)}` : ''}: expected ${show(d.want)}, got ${show(d.got)}`
  }
  return `${name}: differs`
}

/** What a comparison reports to. */
interface Verdict {
  pass(message: string): void
  fail(message: string): void
}

/** Compares `text` with test/golden/<name>(.gz), or writes it there under UPDATE_GOLDEN=1. */
function golden(t: Verdict, name: string, text: string): void {
  const zipped = text.length > 64 * 1024
  const file = path.join(DIR, zipped ? `${name}.gz` : name)
  if (UPDATE) {
    fs.mkdirSync(DIR, { recursive: true })
    fs.writeFileSync(file, zipped ? zlib.gzipSync(text, { level: 9 }) : text)
    t.pass(`${name}: written (${text.length.toLocaleString('en')} bytes)`)
    return
  }
  if (!fs.existsSync(file)) return void t.fail(`${name}: no golden file ${path.relative(ROOT_DIR, file)}; create it with UPDATE_GOLDEN=1 npx tap test/golden.test.ts`)
  const raw = fs.readFileSync(file)
  const want = (zipped ? zlib.gunzipSync(raw) : raw).toString('utf8')
  if (want === text) return void t.pass(`${name}: same ${text.length.toLocaleString('en')} bytes`)
  t.fail(`${explain(name, want, text)} (regenerate on purpose with UPDATE_GOLDEN=1 npx tap test/golden.test.ts)`)
}

t.test('the same world gives the same answers, byte for byte', async (t) => {
  const app = await build(t, { simulation: { seed: SEED, startMs: START, historyDays: HISTORY_DAYS, wallNow: () => START, realNow: () => 0 } })
  const sim = () => app.simulation.sim
  const get = async (url: string) => {
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, url)
    return res.body
  }
  const historyStart = sim().historyStartMs

  // The whole history, every stream, at three resolutions.
  for (const interval of ['5m', '1h', '1d']) {
    golden(t, `history-${interval}.json`, await get(`/api/simulation/history?start=${iso(historyStart)}&end=${iso(START)}&interval=${interval}`))
  }

  // Ten live minutes, read as a client reads them; every event the world emitted must be among them.
  const emitted: number[] = []
  sim().onLive((evs) => emitted.push(...evs.map((e) => e.seq!)))
  const events: string[] = []
  let lastSeq = -1
  for (let at = START + STEP; at <= START + 10 * MINUTE; at += STEP) {
    sim().advanceTo(at)
    for (const e of JSON.parse(await get('/api/simulation/events?limit=1000')).events as StreamEvent[]) {
      if (e.seq! <= lastSeq) continue
      events.push(JSON.stringify(e))
      lastSeq = e.seq!
    }
  }
  t.equal(events.length, emitted.length, `the events endpoint returned all ${emitted.length} live events`)
  golden(t, 'live-events.jsonl', events.join('\n') + '\n')
  golden(t, 'state-live.json', await get('/api/simulation/state'))

  // One scenario run, activated live, then half an hour of it.
  const activate = await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'payment-outage' } })
  t.equal(activate.statusCode, 200)
  golden(t, 'scenario-activated.json', activate.body)
  sim().advanceTo(START + 40 * MINUTE)
  golden(t, 'ground-truth.json', await get(`/api/simulation/ground-truth?start=${iso(historyStart)}&end=${iso(sim().now)}`))
  golden(t, 'state-scenario.json', await get('/api/simulation/state'))
  golden(t, 'history-scenario-5m.json', await get(`/api/simulation/history?start=${iso(START)}&end=${iso(sim().now)}&interval=5m`))
})
