/**
 * Controls are serialised against rebuilds, on the real process: a press that lands while a
 * backdated activation or a reset is re-simulating the world waits for it and is decided
 * against the world that then stands. Two racing activations give one 200 and one 409, never
 * two scenarios; the state stays readable, the `simulation` push never takes the process down,
 * and what was acknowledged survives a restart.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import WebSocket from 'ws'
import { startServer } from '../scripts/lib/server-process.mjs'

/** Ten days of history: a backdated rebuild takes long enough for a second press to land in it. */
const WORLD = { SIM_HISTORY_DAYS: '10', SIM_SPEED: '1' }
const BACKDATED = '2026-11-26T06:00:00Z'

async function serverWithSubscriber(t: Test) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simstate-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const server = await startServer({ env: { ...WORLD, STATE_DIR: dir } })
  t.teardown(() => server.stop())
  // The console is such a subscriber: the state is pushed to it every 100 ms when it changes.
  const ws = new WebSocket(server.url.replace('http', 'ws') + '/ws')
  await new Promise((r) => ws.once('open', r))
  ws.send(JSON.stringify({ type: 'subscribe', topics: ['simulation'] }))
  t.teardown(() => ws.close())
  const post = async (url: string, body: object = {}) => {
    const res = await fetch(server.url + url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    return { status: res.status, body: (await res.json()) as any }
  }
  const get = async (url: string) => {
    const res = await fetch(server.url + url)
    return { status: res.status, body: (await res.json()) as any }
  }
  return { server, post, get }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('a live activation during a backdated rebuild: one 200, one 409, a readable state, a living process', async (t) => {
  const { server, post, get } = await serverWithSubscriber(t)
  const backdated = post('/api/simulation/scenario', { scenarioId: 'exam-season-surge', startTime: BACKDATED })
  await pause(200)
  const live = post('/api/simulation/scenario', { scenarioId: 'payment-outage' })
  const answers = await Promise.all([backdated, live])
  t.same(answers.map((a) => a.status).sort(), [200, 409], `answers: ${answers.map((a) => a.status).join(', ')}`)
  const refused = answers.find((a) => a.status === 409)!
  t.equal(refused.body.error.code, 'SCENARIO_ALREADY_ACTIVE', 'the refusal says why, in the envelope')
  const accepted = answers.find((a) => a.status === 200)!.body.scenario

  const state = await get('/api/simulation/state')
  t.equal(state.status, 200, 'the state is readable')
  t.same(
    state.body.activeModifiers.map((m: { id: string }) => m.id),
    [accepted.id],
    'exactly the acknowledged scenario is active',
  )
  // Thirty state pushes later the process is still there.
  await pause(3000)
  t.equal((await get('/api/health')).status, 200, 'the process is alive with a simulation subscriber')

  await server.restart()
  const after = await get('/api/simulation/state')
  t.same(
    after.body.activeModifiers.map((m: { id: string; type: string }) => [m.id, m.type]),
    [[accepted.id, accepted.type]],
    'the acknowledged activation survives a restart',
  )
})

t.test('resets during a backdated rebuild are applied in order, each answered with what it did', async (t) => {
  const { post, get } = await serverWithSubscriber(t)
  const backdated = post('/api/simulation/scenario', { scenarioId: 'exam-season-surge', startTime: BACKDATED })
  await pause(200)
  const first = post('/api/simulation/reset')
  await pause(50)
  const second = post('/api/simulation/reset')
  const [a, b, c] = await Promise.all([backdated, first, second])
  t.equal(a.status, 200, 'the backdated activation was applied')
  t.match(b, { status: 200, body: { message: 'Simulation reset to baseline' } }, 'the first reset undid it')
  t.match(c, { status: 200, body: { message: 'Already at baseline' } }, 'the second found the baseline')
  const state = await get('/api/simulation/state')
  t.match(state.body, { baselineState: 'normal', historicalMode: 'baseline', activeModifiers: [] }, 'the world is the baseline')
})
