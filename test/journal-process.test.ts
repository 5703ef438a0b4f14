/**
 * kill -9 and restart of the real process: the world, its history, the running scenario and its
 * phase are what they were. The clock is paused before the kill, so "what they were" is one
 * instant that both runs can be asked about. And with SIM_START unset and the clock running,
 * the restarted server is at the wall clock again, the downtime simulated.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import type { ClockState, StreamEvent } from '@marketsim/shared-types'
import { startServer } from '../scripts/lib/server-process.mjs'
import { exportRun, parse } from './export-helpers.js'

async function killAndCompare(t: Test, env: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simstate-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const server = await startServer({ env: { STATE_DIR: dir, SIM_SPEED: '60', ...env } })
  t.teardown(() => server.stop())
  const call = async (url: string, body?: unknown) => {
    const res = await fetch(server.url + url, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const text = await res.text()
    if (!res.ok) throw new Error(`${url}: ${res.status} ${text}`)
    return text
  }
  const snapshot = async () => {
    // The offset from the wall clock of a paused clock grows with the downtime: compared below.
    const { offsetMs, ...clock } = JSON.parse(await call('/api/simulation/clock'))
    const range = `start=${clock.historyStartTime}&end=${clock.currentSimulationTime}`
    return {
      offsetMs,
      clock: JSON.stringify(clock),
      state: await call('/api/simulation/state'),
      history: await call(`/api/simulation/history?${range}&interval=15m`),
      truth: await call(`/api/simulation/ground-truth?${range}`),
      events: await call('/api/simulation/events?limit=1000'),
    }
  }

  await call('/api/simulation/scenario', { scenarioId: 'exam-season-surge' })
  // Let the world run on a little at 60× (the outcome does not depend on how much).
  await new Promise((r) => setTimeout(r, 500))
  await call('/api/simulation/stop', {})
  await call('/api/simulation/clock', { speed: 0 })
  const before = await snapshot()
  t.match(JSON.parse(before.state).activeModifiers[0], { type: 'exam-season-surge', lifecycleState: 'settling' })

  const down = Date.now()
  await server.restart('SIGKILL')
  const { offsetMs, ...after } = await snapshot()
  const { offsetMs: offsetBefore, ...same } = before
  for (const k of Object.keys(same) as Array<keyof typeof same>) t.equal(after[k], same[k], `${k}: the same after kill -9`)
  t.ok(offsetMs <= offsetBefore - (Date.now() - down) + 1000, `the paused clock kept its time; its offset grew by the downtime (${offsetBefore} → ${offsetMs} ms)`)
}

t.test('after kill -9 the restarted server shows the same world', (t) => killAndCompare(t, {}))

// As a plain `npm start` runs: no SIM_START, so the start is the wall clock of the first boot,
// and the restart must take it from the journal, not from its own clock.
t.test('with SIM_START unset, the restart keeps the first boot\'s start', (t) => killAndCompare(t, { SIM_START: '' }))

t.test('with SIM_START unset the clock is the wall clock at the first health 200, and again after kill -9 and downtime', async (t) => {
  const DOWN_MS = 4000
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simstate-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  // startServer resolves at the first 200 from /api/health.
  const server = await startServer({ env: { STATE_DIR: dir, SIM_START: '' } })
  t.teardown(() => server.stop())
  const clock = async () => {
    const c = (await (await fetch(server.url + '/api/simulation/clock')).json()) as ClockState
    return { ...c, behindMs: Date.now() - Date.parse(c.currentSimulationTime) }
  }
  const first = await clock()
  t.comment(`first health 200: ${first.behindMs} ms behind the wall clock, offsetMs ${first.offsetMs}`)
  t.ok(Math.abs(first.behindMs) < 1000, 'within a second of the wall clock when first ready')
  t.equal(first.offsetMs, 0)
  t.equal(Date.parse(first.liveStartTime) % (5 * 60_000), 0, 'the history ends on a bucket boundary')

  const before = await clock()
  await server.stop('SIGKILL')
  await new Promise((r) => setTimeout(r, DOWN_MS))
  await server.restart()
  const after = await clock()
  t.comment(`after kill -9 and ${DOWN_MS} ms down: ${after.behindMs} ms behind the wall clock, offsetMs ${after.offsetMs}`)
  t.ok(Math.abs(after.behindMs) < 1000, 'within a second of the wall clock again')
  t.equal(after.offsetMs, 0)
  t.equal(after.liveStartTime, before.liveStartTime, 'the same world')
  const gone = Date.parse(after.currentSimulationTime) - Date.parse(before.currentSimulationTime)
  t.ok(gone >= DOWN_MS, `the downtime happened in the simulated world (${gone} ms passed)`)

  // The downtime's events are the world's own: what the export computes from the journal.
  const from = Date.parse(before.currentSimulationTime) + 1000
  const to = from + 2000
  const recent = ((await (await fetch(server.url + '/api/simulation/events?limit=1000')).json()) as { events: StreamEvent[] }).events
  t.ok(Date.parse(recent[0]!.timestamp) < from, 'the recent events reach back into the downtime')
  const inWindow = (e: { timestamp: string }) => Date.parse(e.timestamp) >= from && Date.parse(e.timestamp) < to
  const exported = await exportRun(['--journal', dir, '--from', new Date(from).toISOString(), '--to', new Date(to).toISOString()])
  t.equal(exported.code, 0, exported.stderr)
  const expected = parse(exported.stdout)
  t.ok(expected.length > 0, `${expected.length} events in two simulated seconds of the downtime`)
  t.same(recent.filter(inWindow), expected, 'the same events, seq and payload included')

  // Paused, then back to the wall clock by simulating forward.
  const post = (body: unknown) => fetch(server.url + '/api/simulation/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  await post({ speed: 0 })
  await new Promise((r) => setTimeout(r, 1500))
  t.ok((await clock()).offsetMs <= -1500, 'a paused clock shows its offset')
  const live = await post({ live: true })
  t.equal(live.status, 200)
  const back = await clock()
  t.ok(back.offsetMs === 0 && Math.abs(back.behindMs) < 1000, `live again (${back.behindMs} ms behind)`)
})
