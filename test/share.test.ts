/**
 * Shares are observable: the payment gateway's meaning is its mix of outcomes, so history
 * points and the pulse carry the share of failed attempts, normalized and flagged like counts.
 * A payment outage changes the mix, not the number of attempts: it shows there within minutes.
 */
import t from 'tap'
import { HistoryResponse } from '@marketsim/shared-types'
import { build, iso, schemaErrors, TEST_START } from './helpers.js'

const GATEWAY = 'payment_gateway.transaction.status'

t.test('history points of the gateway carry the failed share; other streams carry none', async (t) => {
  const app = await build(t, { simulation: { historyDays: 3 } })
  const res = await app.inject(`/api/simulation/history?start=${iso(TEST_START - 2 * 86_400_000)}&end=${iso(TEST_START)}&interval=1h&streams=${GATEWAY},customer.tutor.search`)
  t.equal(res.statusCode, 200)
  t.same(schemaErrors(HistoryResponse, res.json()), [])
  const [gateway, search] = [GATEWAY, 'customer.tutor.search'].map((name) => res.json().streams[name])
  t.ok(search.every((p: { share?: unknown }) => p.share === undefined), 'a plain count has no share')
  const shares = gateway.filter((p: { value: number }) => p.value > 0).map((p: { share: { observed: number; expected: number; normalized: number; field: string; value: string } }) => p.share)
  t.equal(shares.length, gateway.filter((p: { value: number }) => p.value > 0).length, 'every point with attempts has one')
  t.match(shares[0], { field: 'status', value: 'failed', expected: 0.047 })
  const mean = shares.reduce((a: number, s: { observed: number }) => a + s.observed, 0) / shares.length
  t.ok(Math.abs(mean - 0.047) < 0.015, `the observed failed share averages ${mean.toFixed(3)} in the baseline`)
  // Binomial noise on ~50 attempts an hour: flags as rare as their thresholds promise.
  const beyond = (z: number) => shares.filter((s: { normalized: number }) => Math.abs(s.normalized - 50) >= 10 * z).length
  t.ok(beyond(2) <= Math.ceil(0.1 * shares.length) && beyond(3) <= 1, `${beyond(2)} of ${shares.length} baseline hours beyond 2σ, ${beyond(3)} beyond 3σ`)
})

t.test('a payment outage shows on the pulse as a failed share within five minutes at 1×', async (t) => {
  const app = await build(t, { simulation: { historyDays: 3 } })
  const host = app.simulation
  let at = TEST_START + 30 * 60_000
  host.sim.advanceTo(at)
  const before = host.sim.pulse()[GATEWAY]!.share!
  // One instant of the baseline: a warning is as likely as its threshold says (~5%), a critical is not.
  t.match(before, { field: 'status', value: 'failed' })
  t.not(before.anomalyFlag, 'critical', `quiet before (${before.anomalyFlag} at ${before.normalized})`)
  const res = await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId: 'payment-outage' } })
  t.equal(res.statusCode, 200)
  let seconds = 0
  while (seconds < 300 && host.sim.pulse()[GATEWAY]!.share!.normalized < 70) {
    at += 1000
    seconds++
    host.sim.advanceTo(at)
  }
  const after = host.sim.pulse()[GATEWAY]!.share!
  t.ok(after.normalized >= 70, `failed share ${before.observed} → ${after.observed} (normalized ${after.normalized}) after ${seconds} simulated s`)
  t.ok(after.windowSeconds < 1800, `judged over its own window of ${after.windowSeconds} s`)
})
