/**
 * kill -9 and restart of the real process: the world, its history, the running scenario and its
 * phase are what they were. The clock is paused before the kill, so "what they were" is one
 * instant that both runs can be asked about.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { startServer } from '../scripts/lib/server-process.mjs'

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
