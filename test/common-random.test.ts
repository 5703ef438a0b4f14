/**
 * Common random numbers: randomness is keyed by what it decides (stream or deferred decision,
 * and hour), so a world with a scenario and the same world without it differ only through the
 * scenario's causal reach. A tester diffing the two sees the scenario, not a re-roll.
 */
import t from 'tap'
import { loadConfig, type WorldConfig } from '../server/src/config/load.js'
import { DEFAULT_CONFIG_DIR } from '../server/src/paths.js'
import { Simulation } from '../server/src/sim/simulation.js'
import { newRun, settleEnd } from '../server/src/scenarios/lifecycle.js'

const HOUR = 3_600_000
const BUCKET = 5 * 60_000
const START = Date.parse('2026-11-20T12:00:00Z')
const world = loadConfig(DEFAULT_CONFIG_DIR)

/** Every stream a scenario can move: what it names, and everything downstream by chains and cascades. */
function reach(w: WorldConfig, id: string): Set<string> {
  const def = w.scenarios.find((s) => s.id === id)!
  const edges = new Map<string, Set<string>>()
  const edge = (from: string, to: string | null | undefined) => {
    if (!to) return
    if (!edges.has(from)) edges.set(from, new Set())
    edges.get(from)!.add(to)
  }
  for (const c of w.relationships.chains) for (const b of c.branches) edge(c.trigger, b.stream)
  for (const c of w.relationships.cascades) edge(c.trigger, c.target)
  for (const c of def.cascadeEffects ?? []) for (const target of Object.keys(c.effect)) edge(c.trigger, target)
  const seeds = new Set<string>(Object.keys(def.affectedStreams))
  for (const m of Object.values(def.affectedStreams)) for (const s of Object.keys(m.probabilityShift ?? {})) seeds.add(s)
  for (const e of def.externalEvents) for (const s of e.expectedImpact.streams) seeds.add(s)
  const out = new Set<string>()
  const todo = [...seeds]
  while (todo.length) {
    const s = todo.pop()!
    if (out.has(s)) continue
    out.add(s)
    todo.push(...(edges.get(s) ?? []))
  }
  return out
}

function buckets(sim: Simulation, stream: number, from: number, to: number): number[] {
  return sim.history(stream, from, to, BUCKET).map((p) => p.value)
}

for (const id of ['payment-outage', 'exam-season-surge', 'supply-crisis']) {
  t.test(`${id}: streams out of its reach are identical bucket for bucket`, async (t) => {
    const options = { seed: 7, startMs: START, historyDays: 4 }
    const runStart = START - 2 * 24 * HOUR
    const def = world.scenarios.find((s) => s.id === id)
    t.ok(def, `scenario ${id} exists`)
    const without = new Simulation(world, options)
    without.build()
    const run = newRun('r1', def!, runStart, runStart)
    const withIt = new Simulation(world, options, [run])
    withIt.build()

    const reached = reach(world, id)
    const names = without.streamNames
    const unreachable = names.filter((n) => !reached.has(n))
    t.ok(unreachable.length >= 10, `${unreachable.length} streams out of reach`)
    const from = without.historyStartMs
    for (const [s, name] of names.entries()) {
      const a = buckets(without, s, from, START)
      const b = buckets(withIt, s, from, START)
      const before = Math.floor((runStart - from) / BUCKET)
      t.same(b.slice(0, before), a.slice(0, before), `${name}: identical before the scenario starts`)
      if (!reached.has(name)) t.same(b, a, `${name} (out of reach): identical in every bucket after it too`)
    }
    // And the scenario does act: some stream it names differs.
    const named = Object.keys(def!.affectedStreams).map((n) => names.indexOf(n))
    t.ok(
      named.some((s) => buckets(without, s, runStart, START).join() !== buckets(withIt, s, runStart, START).join()),
      'a stream it names differs',
    )
    // A root stream it bends falls back in step within an hour of its last influence.
    const end = settleEnd(run)
    const roots = named.filter((s) => withIt.engine.model.streams[s]!.rootPerHour > 0 && !world.relationships.cascades.some((c) => c.target === names[s]))
    for (const s of roots) {
      const after = Math.ceil(end / HOUR) * HOUR + HOUR
      if (after >= START) continue
      t.same(buckets(withIt, s, after, START), buckets(without, s, after, START), `${names[s]}: back in step an hour after the scenario settles`)
    }
  })
}
