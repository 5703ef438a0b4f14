/**
 * How bent branches share out a decision: a forced share holds whatever else bends its
 * siblings, outcomes stay a distribution where a factor asks for more than they can hold, and
 * a session's start at its slot is not divided by how bent its cause is at that moment (the
 * session was confirmed days before).
 */
import t from 'tap'
import { loadConfig } from '../server/src/config/load.js'
import { DEFAULT_CONFIG_DIR } from '../server/src/paths.js'
import { parseRelativeOffset } from '@marketsim/shared-types'
import { Simulation } from '../server/src/sim/simulation.js'
import { Effects } from '../server/src/scenarios/effects.js'
import type { Background } from '../server/src/scenarios/background.js'
import { newRun } from '../server/src/scenarios/lifecycle.js'

const HOUR = 3_600_000
const START = Date.parse('2026-11-20T12:00:00Z')
const world = loadConfig(DEFAULT_CONFIG_DIR)
const sim = new Simulation(world, { seed: 3, startMs: START, historyDays: 2, background: false })
const model = sim.engine.model
const idx = (name: string) => model.index.get(name)!

/** Effects with a background that states the given factors (and nothing else). */
function effects(factors: Record<string, number>): Effects {
  const bg = { impactFactorAt: (s: number) => factors[model.streams[s]!.name] ?? 1, anomalyAt: () => 1 } as unknown as Background
  return new Effects(model, bg, sim.effects.cascades, (s, at) => sim.engine.expectation.expectedCount(s, at, at + HOUR), sim.engine.originMs)
}

const gateway = model.chains.find((c) => c.trigger === idx('payment_gateway.transaction.status') && c.outcome)!
const share = (p: readonly number[] | undefined, value: string) => {
  const i = gateway.branches.findIndex((b) => b.value === value)
  return p ? p[i]! : gateway.branches[i]!.p
}
const at = START - 6 * HOUR

t.test('an outage forces 95% failed; a background bend on successes does not dilute it', async (t) => {
  const e = effects({ 'customer.subscription.payment_success': 1.05 })
  e.add(Effects.compile(model, newRun('r1', world.scenarios.find((s) => s.id === 'payment-outage')!, at - HOUR, at - HOUR), parseRelativeOffset))
  const plan = e.planFor(gateway, at, at)!
  t.ok(Math.abs(share(plan.p, 'failed') - 0.95) < 1e-9, `failed share ${share(plan.p, 'failed')}`)
  t.ok(Math.abs(plan.p.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'the outcomes add up to one')
  t.ok(share(plan.p, 'success') > 0 && share(plan.p, 'success') < 0.05, 'successes take the rest, by weight')
})

t.test('a factor more than the outcomes can hold: normalized, no sibling vanishes', async (t) => {
  const e = effects({ 'customer.subscription.payment_success': 1.3 })
  const plan = e.planFor(gateway, at, at)!
  t.ok(Math.abs(plan.p.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'the outcomes add up to one')
  const failed = share(plan.p, 'failed') / share(undefined, 'failed')
  t.ok(failed > 0.5 && failed < 1, `failures give way (×${failed.toFixed(2)}), they do not vanish`)
  t.ok(share(plan.p, 'success') > share(undefined, 'success'), 'successes rise as far as they can')
})

t.test('a start at its slot is bent relative to the baseline, whatever bends its cause now', async (t) => {
  const start = model.chains.find((c) => c.deferred && c.branches.some((b) => b.target === idx('session.started')))!
  const i = start.branches.findIndex((b) => b.target === idx('session.started'))
  const plain = effects({ 'session.started': 0.95 }).planFor(start, at, at)!
  const withCause = effects({ 'session.started': 0.95, 'session.booking.confirmed': 0.8, 'session.booking.requested': 0.7 }).planFor(start, at, at)!
  t.ok(Math.abs(plain.p[i]! / start.branches[i]!.p - 0.95) < 1e-9, `starts ×${(plain.p[i]! / start.branches[i]!.p).toFixed(3)}: the stated factor`)
  t.same(withCause.p, plain.p, 'the same with its causes bent at the slot time')
  const noShows = start.branches.map((b, k) => [b, k] as const).filter(([b]) => b.target >= 0 && b.target !== idx('session.started'))
  for (const [b, k] of noShows) {
    const f = plain.p[k]! / b.p
    t.ok(f > 1 && f < 2, `${model.streams[b.target]!.name} gives way: ×${f.toFixed(2)}`)
  }
})
