/**
 * The live clock (SIM_START unset): simulated time is the wall clock at 1×, a paused or
 * sped-up clock shows its offset, `{ live: true }` returns to the wall clock by simulating
 * forward, and a restart simulates the downtime. The wall clock is the test's: it moves only
 * when the test moves it.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import type { AppOptions } from '../server/src/app.js'
import { Journal } from '../server/src/journal/journal.js'
import { encode, type JournalRecord } from '../server/src/journal/records.js'
import { MAX_CATCHUP_MS } from '../server/src/simulation-host.js'
import { build, iso } from './helpers.js'

type App = Awaited<ReturnType<typeof build>>
const MIN = 60_000
const HOUR = 60 * MIN
/** Two and a half minutes past a 5-minute boundary: the history ends at the boundary before. */
const W0 = Date.parse('2026-11-26T08:02:30Z')

/** A world whose start is not fixed, on the test's wall clock. */
function liveWorld(t: Test, wall: { now: number }, options: AppOptions = {}) {
  return build(t, { ...options, simulation: { startMs: undefined, wallNow: () => wall.now, ...options.simulation } })
}

function stateDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simstate-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

const clock = async (app: App) => (await app.inject('/api/simulation/clock')).json()
const setClock = (app: App, payload: object) => app.inject({ method: 'POST', url: '/api/simulation/clock', payload })
/** Tick until the world has reached its clock (each tick does a bounded amount). */
function follow(app: App) {
  do app.simulation.tick()
  while (app.simulation.lagMs() > 0)
}
const events = async (app: App) => (await app.inject('/api/simulation/events?limit=1000')).json().events as Array<{ seq: number; timestamp: string }>

/** Everything a client can read of the world, as text. */
async function snapshot(app: App) {
  const get = async (url: string) => {
    const res = await app.inject(url)
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
    return res.body
  }
  const c = await clock(app)
  const range = `start=${c.historyStartTime}&end=${c.currentSimulationTime}`
  return {
    clock: JSON.stringify(c),
    state: await get('/api/simulation/state'),
    history: await get(`/api/simulation/history?${range}&interval=5m`),
    truth: await get(`/api/simulation/ground-truth?${range}`),
    events: await get('/api/simulation/events?limit=1000'),
  }
}

t.test('with SIM_START unset the clock starts at the wall clock, not at the end of the history', async (t) => {
  const wall = { now: W0 }
  const app = await liveWorld(t, wall)
  const c = await clock(app)
  t.equal(c.currentSimulationTime, iso(W0), 'now, to the millisecond')
  t.equal(c.liveStartTime, '2026-11-26T08:00:00Z', 'the history still ends on a bucket boundary')
  t.equal(c.offsetMs, 0)
  t.equal(c.live, true, 'its clock belongs to the wall clock (a console offers "Go live" when it drifts)')
  const last = (await events(app)).at(-1)!
  t.ok(Date.parse(last.timestamp) <= W0 && Date.parse(last.timestamp) > Date.parse(c.liveStartTime), `the world was simulated up to now (last event ${last.timestamp})`)
  wall.now += 10_000
  follow(app)
  t.match(await clock(app), { currentSimulationTime: iso(W0 + 10_000), offsetMs: 0 }, 'it keeps to the wall clock')
})

t.test('a paused or sped-up clock shows its offset; { live: true } simulates forward to the wall clock', async (t) => {
  const wall = { now: W0 }
  const app = await liveWorld(t, wall)
  t.match((await setClock(app, { speed: 0 })).json(), { paused: true, offsetMs: 0 })
  const lastSeq = (await events(app)).at(-1)!.seq
  wall.now += 5 * MIN
  t.match(await clock(app), { currentSimulationTime: iso(W0), offsetMs: -5 * MIN }, 'paused: time stands and the offset grows')

  // What the live stream (the WebSocket hub listens here) publishes while it catches up.
  const published: Array<{ seq?: number; timestamp: string }> = []
  app.simulation.sim.onLive((evs) => published.push(...evs))
  const live = await setClock(app, { live: true })
  t.equal(live.statusCode, 200)
  t.match(live.json(), { currentSimulationTime: iso(wall.now), speed: 1, paused: false, offsetMs: 0 })
  t.equal(published[0]?.seq, lastSeq + 1, 'the paused-over minutes were simulated, numbered on from before the pause')
  t.ok(published.every((e, i) => i === 0 || e.seq === published[i - 1]!.seq! + 1), 'no gap in the numbering')
  t.ok(Date.parse(published.at(-1)!.timestamp) > W0 + 4 * MIN, `up to now (last ${published.at(-1)!.timestamp})`)

  await setClock(app, { speed: 60 })
  wall.now += 1000
  follow(app)
  const ahead = await clock(app)
  t.equal(ahead.offsetMs, 59_000, 'one wall second at 60× puts the clock 59 s ahead')
  const refused = await setClock(app, { live: true })
  t.equal(refused.statusCode, 409, 'it never goes backward')
  t.equal(refused.json().error.code, 'CLOCK_CONFLICT')
  t.match(refused.json().error.message, /59000 ms ahead/)
  t.same(await clock(app), ahead, 'the refused request changed nothing')

  // Paused until the wall clock has passed it, then live.
  await setClock(app, { speed: 0 })
  wall.now += 60_000
  t.equal((await clock(app)).offsetMs, -1000)
  t.match((await setClock(app, { live: true })).json(), { currentSimulationTime: iso(wall.now), offsetMs: 0, speed: 1 })
})

t.test('{ live: true } on a world with a fixed SIM_START is a 409 that changes nothing; speed and live together or neither a 400', async (t) => {
  const app = await build(t)
  const before = await clock(app)
  for (const [body, details] of [[{}, 'neither was sent'], [{ speed: 1, live: true }, 'both were sent']] as const) {
    const bad = await setClock(app, body)
    t.equal(bad.statusCode, 400)
    t.same(bad.json().error, { code: 'INVALID_REQUEST', message: 'Send exactly one of speed and live', details })
  }
  const res = await setClock(app, { live: true })
  t.equal(res.statusCode, 409)
  t.match(res.json().error, { code: 'CLOCK_CONFLICT', message: /fixed SIM_START/ })
  t.same(await clock(app), before)
  t.equal(before.live, false, 'the clock says it cannot go live, so a console does not offer it')
})

t.test('a restart simulates the downtime: the world is the one that never stopped', async (t) => {
  // A scenario runs across the downtime; no control action happens in it.
  const session = async (app: App, wall: { now: number }) => {
    wall.now += 2 * MIN
    follow(app)
    const res = await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'exam-season-surge' } })
    t.equal(res.statusCode, 200)
    wall.now += MIN
    follow(app)
  }
  const dir = stateDir(t)
  const wall = { now: W0 }
  const first = await liveWorld(t, wall, { stateDir: dir })
  await session(first, wall)
  const seen = first.simulation.sim.lastSeq
  await first.close()
  // Longer than the ten minutes a restart re-emits: the start of the downtime is only counted.
  wall.now += 30 * MIN
  const again = await liveWorld(t, wall, { stateDir: dir })
  t.match(await clock(again), { currentSimulationTime: iso(wall.now), offsetMs: 0 }, 'the clock is the wall clock again')
  // A client that saw everything up to the shutdown missed twenty counted-only minutes, on a
  // quiet stream too, whose buffer trimmed nothing.
  const sim = again.simulation.sim
  const all = () => true
  const quiet = [sim.engine.model.index.get('tutor.onboarding.approved')!]
  t.equal(sim.recent.since({ seq: seen }, sim.lastSeq, all).complete, false, 'catch-up from before the downtime is incomplete')
  t.equal(sim.recent.since({ seq: seen }, sim.lastSeq, all, quiet).complete, false, 'so is a quiet stream\'s')
  const kept = (await events(again))[0]!
  t.equal(sim.recent.since({ seq: kept.seq }, sim.lastSeq, all).complete, true, 'catch-up from inside the re-emitted minutes is complete')

  const unbrokenWall = { now: W0 }
  const unbroken = await liveWorld(t, unbrokenWall)
  await session(unbroken, unbrokenWall)
  unbrokenWall.now = wall.now
  follow(unbroken)
  const a = await snapshot(again)
  const b = await snapshot(unbroken)
  for (const k of Object.keys(b) as Array<keyof typeof b>) t.equal(a[k], b[k], `${k}: as if the server had never stopped`)
})

/** A journalled live world whose clock is set to `speed` at W0, shut down, and restarted `downMs` later. */
async function restartAfter(t: Test, speed: number, downMs: number) {
  const dir = stateDir(t)
  const wall = { now: W0 }
  const first = await liveWorld(t, wall, { stateDir: dir })
  await setClock(first, { speed })
  await first.close()
  wall.now += downMs
  return { dir, wall, again: await liveWorld(t, wall, { stateDir: dir }) }
}

t.test('a paused clock stays paused across a restart, its offset grown by the downtime', async (t) => {
  const { wall, again } = await restartAfter(t, 0, HOUR)
  t.match(await clock(again), { currentSimulationTime: iso(W0), paused: true, offsetMs: -HOUR })
  t.match((await setClock(again, { live: true })).json(), { currentSimulationTime: iso(wall.now), offsetMs: 0 }, 'an hour simulated forward on request')
})

t.test('a catch-up longer than a simulated day is capped, re-anchored in the journal, and the offset shows it', async (t) => {
  // An hour down at 3600× would be 150 simulated days.
  const { dir, wall, again } = await restartAfter(t, 3600, HOUR)
  const capped = await clock(again)
  t.match(capped, { currentSimulationTime: iso(W0 + MAX_CATCHUP_MS), speed: 3600, offsetMs: W0 + MAX_CATCHUP_MS - wall.now })
  const last = new Journal(dir).read(false).actions.filter((a) => a.type === 'speed').at(-1)
  t.same(last && { at: last.at, wall: last.wall }, { at: W0 + MAX_CATCHUP_MS, wall: wall.now }, 'the new anchor is journalled')
  await again.close()
  const third = await liveWorld(t, wall, { stateDir: dir })
  t.same(await clock(third), capped, 'a restart without downtime computes the same clock from it')
})

t.test('a journal from before the live clock (no live flag, no wall times) is replayed sensibly', async (t) => {
  for (const speed of [1, 60]) {
    const dir = stateDir(t)
    const wall = { now: W0 }
    const first = await liveWorld(t, wall, { stateDir: dir })
    await setClock(first, { speed })
    wall.now += MIN
    follow(first)
    const stood = first.simulation.sim.now
    await first.close()
    const file = path.join(dir, 'journal.ndjson')
    const old = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const { live: _l, wall: _w, ...r } = JSON.parse(l.slice(9)) as JournalRecord & { live?: boolean; wall?: number }
        return encode(r as JournalRecord)
      })
    fs.writeFileSync(file, old.join(''))
    wall.now += 10 * MIN
    const again = await liveWorld(t, wall, { stateDir: dir })
    // At 1× the clock is the wall clock; at another speed, when it was set is not known: it
    // resumes where the world stood, with its offset shown.
    const expected = speed === 1 ? wall.now : stood
    t.match(await clock(again), { currentSimulationTime: iso(expected), speed, offsetMs: expected - wall.now }, `speed ${speed}`)
    t.ok(new Journal(dir).read(false).actions.some((a) => a.type === 'speed' && a.wall === wall.now), 'and is anchored from now on')
  }
})
