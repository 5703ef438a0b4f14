/**
 * The fuzz on raw sockets: what inject() cannot send (bytes that are not HTTP, oversized heads,
 * broken framing, cross-site presses, upgrades anywhere) reaches the real listening server.
 * Every answer must be the envelope when it is an error, never a 5xx, never a 101, and the world
 * must be as before. FUZZ_SEED picks another stream of cases, as in fuzz.test.ts.
 */
import type net from 'node:net'
import t from 'tap'
import { ApiError } from '@marketsim/shared-types'
import { build, schemaErrors } from './helpers.js'
import { mulberry32 } from './fuzz/gen.js'
import { rawCases } from './fuzz/raw.js'
import { exchange } from './raw-http.js'

const SEED = Number(process.env.FUZZ_SEED ?? 7)
const RAW_CASES = 800

const tally = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1)
const show = (m: Map<string, number>) => [...m].sort().map(([k, v]) => `${k}: ${v}`).join(', ')

t.test(`${RAW_CASES} raw-socket cases against the listening server: the envelope, never a 5xx or a 101, nothing changed (seed ${SEED})`, async (t) => {
  // Short timeouts bound a case the server waits on; the limit is lifted so presses reach the origin check.
  const app = await build(t, { controls: { rateLimitPerMinute: 100_000 }, http: { headersTimeoutMs: 2_000, requestTimeoutMs: 3_000, checkIntervalMs: 250 } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as net.AddressInfo
  // A running scenario, so a stop or reset that got through would show.
  t.equal((await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'exam-season-surge' } })).statusCode, 200)
  const snapshot = async () => {
    const { currentSimulationTime: _s, ...state } = (await app.inject('/api/simulation/state')).json()
    const { currentSimulationTime: _c, ...clock } = (await app.inject('/api/simulation/clock')).json()
    return { state, clock, running: app.simulation.scenarios.runs.length }
  }
  const before = await snapshot()
  const byStatus = new Map<string, number>()
  const failures: string[] = []
  let answers = 0
  for (const [i, c] of rawCases(mulberry32(SEED + 3), RAW_CASES).entries()) {
    const x = await exchange(port, [c.bytes], { deadlineMs: 6_000 })
    const where = `#${i} ${c.kind} ${JSON.stringify(c.bytes.subarray(0, 60).toString('latin1'))}`
    if (x.responses.length === 0) {
      tally(byStatus, 'closed without an answer')
      if (!c.maySayNothing) failures.push(`${where}: no answer (${x.closedByServer ? 'closed' : 'timed out'}; got ${JSON.stringify(x.rest.slice(0, 80))})`)
      continue
    }
    if (x.rest !== '') failures.push(`${where}: bytes after the last answer: ${JSON.stringify(x.rest.slice(0, 80))}`)
    for (const res of x.responses) {
      answers++
      tally(byStatus, String(res.status))
      if (res.status >= 500 || res.status === 101) failures.push(`${where}: ${res.status} ${res.body.slice(0, 120)}`)
      else if (res.status >= 400) {
        let body: unknown = res.body
        try {
          body = JSON.parse(res.body)
        } catch {
          /* not JSON: fails below */
        }
        if (schemaErrors(ApiError, body).length > 0) failures.push(`${where}: ${res.status} not the envelope: ${res.body.slice(0, 120)}`)
      }
    }
    // A cross-site press is refused, whatever else happens.
    if (c.kind.startsWith('cross-site') && !(x.responses[0]!.status === 403 || x.responses[0]!.status === 415)) failures.push(`${where}: a cross-site press answered ${x.responses[0]!.status}`)
  }
  t.comment(`raw: ${RAW_CASES} connections, ${answers} answers, by status: ${show(byStatus)}`)
  t.same(failures, [], 'every answer is in the contract')
  t.same(await snapshot(), before, 'the scenario still runs; state and clock are as before')
  t.equal((await app.inject('/api/health')).statusCode, 200, 'the server still answers')
})
