/**
 * The control journal: a restart replays the world exactly as it stood (history, state,
 * running scenario and phase, recent events, what comes next), a torn last record is skipped,
 * a journal of another world is put aside. The tests move the simulation clock themselves.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { Journal } from '../server/src/journal/journal.js'
import { defaultStart } from '../server/src/journal/open.js'
import { decode, encode, type WorldRecord } from '../server/src/journal/records.js'
import { fold, REFILL_MS } from '../server/src/journal/replay.js'
import { TEST_START, build as buildApp } from './helpers.js'

/** The wall clock stands still: the clock's offset from it reads the same before and after a restart. */
const build: typeof buildApp = (t, o = {}) => buildApp(t, { ...o, simulation: { wallNow: () => TEST_START, ...o.simulation } })

type App = Awaited<ReturnType<typeof build>>
const MIN = 60_000

function stateDir(t: Parameters<typeof build>[0]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simstate-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Everything a client can read of the world, as text. */
async function snapshot(app: App) {
  const get = async (url: string) => {
    const res = await app.inject(url)
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
    return res.body
  }
  const now = new Date(app.simulation.sim.now).toISOString()
  const start = new Date(app.simulation.sim.historyStartMs).toISOString()
  return {
    state: await get('/api/simulation/state'),
    clock: await get('/api/simulation/clock'),
    history: await get(`/api/simulation/history?start=${start}&end=${now}&interval=5m`),
    truth: await get(`/api/simulation/ground-truth?start=${start}&end=${now}`),
    events: await get('/api/simulation/events?limit=1000'),
  }
}

type Snapshot = Awaited<ReturnType<typeof snapshot>>
function sameWorld(t: Parameters<typeof build>[0] & { equal(a: unknown, b: unknown, m: string): void }, after: Snapshot, before: Snapshot) {
  for (const k of Object.keys(before) as Array<keyof Snapshot>) t.equal(after[k], before[k], `${k}: identical after the restart`)
}

const post = async (app: App, url: string, payload: unknown) => {
  const res = await app.inject({ method: 'POST', url, payload: payload as object })
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
}
const advance = (app: App, ms: number) => app.simulation.sim.advanceTo(app.simulation.sim.now + ms)

/** A session of control actions at fixed simulated times; the same on any app. */
async function session(app: App) {
  advance(app, 10 * MIN)
  await post(app, '/api/simulation/scenario', { scenarioId: 'exam-season-surge' })
  advance(app, 20 * MIN)
  await post(app, '/api/simulation/stop', {})
  advance(app, 25 * MIN)
  await post(app, '/api/simulation/clock', { speed: 0 })
}

/** A journalled session, the world it left, and a clean shutdown. */
async function sessionThenStop(t: Parameters<typeof build>[0]) {
  const dir = stateDir(t)
  const first = await build(t, { stateDir: dir })
  await session(first)
  const before = await snapshot(first)
  await first.close()
  return { dir, before }
}

t.test('a restart replays the world where it stood, and it runs on as it would have', async (t) => {
  const { dir, before } = await sessionThenStop(t)
  t.ok(fs.existsSync(path.join(dir, 'journal.ndjson')), 'the journal is on disk')

  const again = await build(t, { stateDir: dir })
  const after = await snapshot(again)
  sameWorld(t, after, before)
  t.match(JSON.parse(after.state).activeModifiers[0], { type: 'exam-season-surge', lifecycleState: 'settling' }, 'the running scenario, in its phase')
  t.equal(JSON.parse(after.clock).speed, 0, 'the clock speed')
  t.ok(JSON.parse(after.events).events.length === 1000, 'the recent events reach back across the restart')

  // What comes next is what the world without a restart would have produced.
  const unbroken = await build(t)
  await session(unbroken)
  advance(again, 15 * MIN)
  advance(unbroken, 15 * MIN)
  const next = async (app: App) => (await app.inject('/api/simulation/events?limit=1000')).body
  t.equal(await next(again), await next(unbroken), 'the next events, seq and payload included')
})

t.test('backdated scenarios and resets replay too; ids keep counting', async (t) => {
  const dir = stateDir(t)
  const first = await build(t, { stateDir: dir })
  advance(first, 5 * MIN)
  await post(first, '/api/simulation/scenario', { scenarioId: 'supply-crisis', startTime: new Date(TEST_START - 12 * 60 * MIN).toISOString() })
  advance(first, 5 * MIN)
  await post(first, '/api/simulation/reset', {})
  advance(first, 5 * MIN)
  await post(first, '/api/simulation/scenario', { scenarioId: 'payment-outage', startTime: new Date(first.simulation.sim.now - 30 * MIN).toISOString() })
  advance(first, 30 * MIN)
  const before = await snapshot(first)
  await first.close()

  const again = await build(t, { stateDir: dir })
  const after = await snapshot(again)
  sameWorld(t, after, before)
  t.match(JSON.parse(after.state).activeModifiers[0], { id: 'mod_002', type: 'payment-outage' })
  await post(again, '/api/simulation/reset', {})
  await post(again, '/api/simulation/scenario', { scenarioId: 'exam-season-surge' })
  t.equal(JSON.parse((await again.inject('/api/simulation/state')).body).activeModifiers[0].id, 'mod_003', 'modifier ids are never reused')
})

t.test('a torn last record (a crash mid-write) is skipped, never fatal', async (t) => {
  const { dir, before } = await sessionThenStop(t)
  const file = path.join(dir, 'journal.ndjson')
  const good = fs.readFileSync(file, 'utf8')
  fs.appendFileSync(file, encode({ type: 'reset', at: TEST_START + 99 * MIN, seq: 1 }).slice(0, 30))

  const again = await build(t, { stateDir: dir })
  const after = await snapshot(again)
  t.equal(after.state, before.state, 'the world is as it was; the half-written reset did not happen')
  t.equal(after.history, before.history)
  t.ok(fs.readFileSync(file, 'utf8').startsWith(good.split('\n')[0]!), 'the journal was kept')
  t.notOk(fs.readFileSync(file, 'utf8').includes(encode({ type: 'reset', at: TEST_START + 99 * MIN, seq: 1 }).slice(0, 30)), 'and cut back to its good records')
})

t.test('a journal of another world is put aside, not replayed; :memory: writes nothing', async (t) => {
  const dir = stateDir(t)
  const first = await build(t, { stateDir: dir })
  await session(first)
  await first.close()
  const other = await build(t, { stateDir: dir, simulation: { seed: 7 } })
  t.equal(JSON.parse((await other.inject('/api/simulation/state')).body).baselineState, 'normal', 'a fresh world')
  const files = fs.readdirSync(dir).sort()
  t.equal(files.length, 2, `the old journal is kept beside the new one (${files.join(', ')})`)
  t.ok(files.some((f) => /^journal-.*\.ndjson$/.test(f)))

  const none = stateDir(t)
  const mem = await build(t, { stateDir: ':memory:' })
  await session(mem)
  t.same(fs.readdirSync(none), [])
})

t.test('records: a damaged line is told apart from a good one', async (t) => {
  const line = encode({ type: 'speed', at: 1, seq: 2, speed: 60 })
  t.same(decode(line.trimEnd()), { type: 'speed', at: 1, seq: 2, speed: 60 })
  t.equal(decode(line.trimEnd().replace('60', '61')), undefined, 'a changed byte')
  t.equal(decode(line.slice(0, 20)), undefined, 'a torn line')
  t.equal(decode('not a record'), undefined)
})

t.test('fold: runs after the last reset, stops, ids, and where to re-emit from', async (t) => {
  const world: WorldRecord = { type: 'world', seed: 1, startMs: 0, historyDays: 1, configHash: 'x', baseline: {} }
  const H = 60 * MIN
  const r = fold(world, [
    { type: 'activate', at: H, seq: 10, id: 'mod_001', scenarioId: 'a', startMs: H, knownAt: H },
    { type: 'reset', at: 2 * H, seq: 20 },
    { type: 'activate', at: 3 * H, seq: 30, id: 'mod_002', scenarioId: 'b', startMs: 3 * H, knownAt: 3 * H },
    { type: 'checkpoint', at: 3 * H + 5 * MIN, seq: 35 },
    { type: 'stop', at: 4 * H, seq: 40, id: 'mod_002' },
    { type: 'speed', at: 4 * H, seq: 40, speed: 600 },
    { type: 'checkpoint', at: 5 * H, seq: 50 },
  ])
  t.same(r.runs, [{ id: 'mod_002', scenarioId: 'b', startMs: 3 * H, knownAt: 3 * H, stoppedAt: 4 * H }])
  t.equal(r.nextId, 3)
  t.equal(r.speed, 600)
  t.equal(r.lastModifiedMs, 4 * H)
  t.equal(r.resumeAt, 5 * H)
  t.same(r.emitFrom, { at: 4 * H, seq: 40 }, `the last point at least ${REFILL_MS / MIN} minutes before the resume point`)
  const rewound = fold(world, [
    { type: 'checkpoint', at: H, seq: 10 },
    { type: 'activate', at: 2 * H, seq: 20, id: 'mod_001', scenarioId: 'a', startMs: H, knownAt: H },
    { type: 'checkpoint', at: 2 * H + MIN, seq: 21 },
  ])
  t.same(rewound.emitFrom, { at: 2 * H, seq: 20 }, 'never before a backdated activation rewrote the past')
})

t.test('Journal.read cuts a file back to its good records so appends continue cleanly', async (t) => {
  const dir = stateDir(t)
  const j = new Journal(dir)
  const world: WorldRecord = { type: 'world', seed: 1, startMs: 0, historyDays: 1, configHash: 'x', baseline: {} }
  j.append(world, true)
  j.append({ type: 'checkpoint', at: 1, seq: 1 }, false)
  j.close()
  fs.appendFileSync(j.file, '0000 {"type":"che')
  const read = j.read()
  t.equal(read.torn, true)
  t.same(read.damaged, [], 'a torn tail is no damaged record')
  t.same(read.actions, [{ type: 'checkpoint', at: 1, seq: 1 }])
  j.append({ type: 'checkpoint', at: 2, seq: 2 }, false)
  j.close()
  t.same(new Journal(dir).read().actions.map((a) => a.at), [1, 2])
})

t.test('Journal.read skips a damaged middle line, keeps what follows, and copies the file aside first', async (t) => {
  const dir = stateDir(t)
  const j = new Journal(dir)
  const world: WorldRecord = { type: 'world', seed: 1, startMs: 0, historyDays: 1, configHash: 'x', baseline: {} }
  for (const r of [world, { type: 'checkpoint', at: 1, seq: 1 }, { type: 'checkpoint', at: 2, seq: 2 }, { type: 'reset', at: 3, seq: 3 }] as const) j.append(r, false)
  j.close()
  const damaged = fs.readFileSync(j.file, 'utf8').replace('"seq":2', '"seq":7')
  fs.writeFileSync(j.file, damaged)
  const read = j.read()
  t.same(read.damaged, [3], 'by line number')
  t.equal(read.torn, false)
  t.same(read.actions.map((a) => a.type), ['checkpoint', 'reset'], 'the reset after it is kept')
  t.equal(fs.readFileSync(read.kept!, 'utf8'), damaged, 'the original, as it was')
  t.same(new Journal(dir).read().damaged, [], 'the journal itself now holds only good records')
  t.same(new Journal(dir).read(false).actions, read.actions)
})

t.test('a crash during the very first write leaves a torn world record: cut, so the next world starts on a clean line', async (t) => {
  const dir = stateDir(t)
  const first = await build(t, { stateDir: dir })
  await first.close()
  const file = path.join(dir, 'journal.ndjson')
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').split('\n')[0]!.slice(0, 100))
  const again = await build(t, { stateDir: dir })
  await post(again, '/api/simulation/scenario', { scenarioId: 'exam-season-surge' })
  await again.close()
  t.same(fs.readdirSync(dir), ['journal.ndjson'], 'nothing to keep aside')
  const read = new Journal(dir).read(false)
  t.ok(read.world, 'the new world record on the first line')
  t.same({ torn: read.torn, damaged: read.damaged }, { torn: false, damaged: [] })
  t.ok(read.actions.some((a) => a.type === 'activate'), 'and the records after it are read back')
})

t.test('an unwritable STATE_DIR stops the boot with a message that says what to do', async (t) => {
  const file = path.join(stateDir(t), 'a-file')
  fs.writeFileSync(file, '')
  await t.rejects(build(t, { stateDir: path.join(file, 'below') }), /STATE_DIR=.* cannot be written .* STATE_DIR=:memory:/)
})

t.test('the ground truth after a restart reports the cascade lifts that were applied', async (t) => {
  // A world where a live activation used to recompute (and so misreport) earlier lifts.
  const dir = stateDir(t)
  const startMs = Date.parse('2026-11-26T12:27:13Z')
  const options = { stateDir: dir, simulation: { startMs, historyDays: 2 } }
  const first = await build(t, options)
  advance(first, 1000)
  await post(first, '/api/simulation/scenario', { scenarioId: 'exam-season-surge' })
  advance(first, 30_000)
  await post(first, '/api/simulation/stop', {})
  const before = await snapshot(first)
  await first.close()
  const again = await build(t, options)
  sameWorld(t, await snapshot(again), before)
})

t.test('the default live start falls on a 5-minute bucket boundary', async (t) => {
  t.equal(defaultStart(Date.parse('2026-11-26T12:27:13.456Z')), Date.parse('2026-11-26T12:25:00Z'))
  t.equal(defaultStart(Date.parse('2026-11-26T12:25:00Z')), Date.parse('2026-11-26T12:25:00Z'))
})
