#!/usr/bin/env node
/**
 * `npm run truth-audit [-- --seed 7 --days 8]`: does the ground truth say what the data does?
 * As a detector tester would measure it: the same world with each scenario (backdated four
 * days) and without it; per stream and 6-hour block with ≥ 300 events, the observed count
 * ratio against the truth's expectedRatio (count-weighted over the block). Prints, per
 * scenario, every stream it names (declared factor, observed and expected ratio over its
 * active span), the blocks in disagreement (> 25%), and movers missing from the truth
 * (observed ≥ 25% off in a busy block with no truth entry for the stream).
 */
import path from 'node:path'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { buildIfStale, ROOT } from './lib/build.mjs'

buildIfStale({ only: ['shared-types', 'server'], tag: 'truth-audit' })
const load = (p) => import(pathToFileURL(path.join(ROOT, 'server', 'dist', p)).href)
const { loadConfig } = await load('config/load.js')
const { DEFAULT_CONFIG_DIR } = await load('paths.js')
const { Simulation } = await load('sim/simulation.js')
const { newRun, activeEnd } = await load('scenarios/lifecycle.js')
const { groundTruth } = await load('scenarios/ground-truth.js')

const { values: args } = parseArgs({ options: { seed: { type: 'string', default: '7' }, days: { type: 'string', default: '8' } } })
const HOUR = 3_600_000
const BLOCK = 6 * HOUR
const SAMPLE = 15 * 60_000
const START = Date.parse('2026-11-20T12:00:00Z')
const world = loadConfig(DEFAULT_CONFIG_DIR)
const options = { seed: Number(args.seed), startMs: START, historyDays: Number(args.days) }
const runStart = START - 4 * 24 * HOUR
const iso = (t) => new Date(t).toISOString().replace('.000Z', 'Z')

const without = new Simulation(world, options)
without.build()
const count = (sim, s, a, b) => sim.history(s, a, b, b - a)[0].value

let judged = 0
let disagree = 0
let missing = 0
const rows = []
for (const def of world.scenarios) {
  const run = newRun('r1', def, runStart, runStart)
  const sim = new Simulation(world, options, [run])
  sim.build()
  const truth = groundTruth(sim, runStart, START).filter((e) => e.cause.scenarioId === def.id || e.cause.id === 'r1')
  const ratios = new Map()
  for (const e of truth) {
    const m = ratios.get(e.stream) ?? new Map()
    for (const f of e.factors) m.set(f.timestamp, f.expectedRatio)
    ratios.set(e.stream, m)
  }
  const expectedOver = (s, name, a, b) => {
    let num = 0
    let den = 0
    for (let x = a; x < b; x += SAMPLE) {
      const base = sim.engine.expectation.expectedCount(s, x, x + SAMPLE)
      num += base * (ratios.get(name)?.get(iso(x)) ?? 1)
      den += base
    }
    return den > 0 ? num / den : 1
  }
  let bad = 0
  let blocks = 0
  const movers = new Set()
  for (const [s, name] of sim.streamNames.entries()) {
    if (sim.engine.model.streams[s].def.measure !== 'count') continue
    for (let b = runStart; b + BLOCK <= START; b += BLOCK) {
      const w = count(sim, s, b, b + BLOCK)
      const wo = count(without, s, b, b + BLOCK)
      if (Math.max(w, wo) < 300) continue
      blocks++
      const observed = w / wo
      if (Math.abs(observed / expectedOver(s, name, b, b + BLOCK) - 1) > 0.25) bad++
      if (Math.abs(observed - 1) > 0.25 && !ratios.has(name)) movers.add(name)
    }
  }
  judged += blocks
  disagree += bad
  missing += movers.size
  const end = Math.min(activeEnd(run), START)
  rows.push(`\n${def.id}: ${blocks} blocks judged, ${bad} disagree by > 25%, movers missing from the truth: ${movers.size ? [...movers].join(', ') : 'none'}`)
  rows.push(`  ${'stream'.padEnd(40)} declared | while active (${((end - runStart) / HOUR).toFixed(0)} h): observed expected | where the truth says it shows: span, peak, observed expected`)
  const hours = (iso) => `+${Math.round((Date.parse(iso) - runStart) / HOUR)}h`
  for (const [name, m] of Object.entries(def.affectedStreams)) {
    const s = sim.streamNames.indexOf(name)
    const declared = m.multiplier ?? (typeof m.override === 'number' ? `${m.override}%` : m.additive !== undefined ? `+${m.additive}` : 'shift')
    const observed = count(sim, s, runStart, end) / Math.max(1, count(without, s, runStart, end))
    const e = truth.find((x) => x.stream === name && x.cause.kind === 'scenario' && x.mechanism !== 'knock-on')
    let where = 'does not show'
    if (e?.shows) {
      const a = Math.floor(Date.parse(e.shows.from) / SAMPLE) * SAMPLE
      const b = Math.min(START, Math.ceil(Date.parse(e.shows.until) / SAMPLE) * SAMPLE)
      const o = count(sim, s, a, b) / Math.max(1, count(without, s, a, b))
      where = `${hours(e.shows.from)}..${hours(e.shows.until)}, peak ×${e.shows.peakExpectedRatio.toFixed(2)}, ×${o.toFixed(2)} ×${expectedOver(s, name, a, b).toFixed(2)}`
    }
    rows.push(`  ${name.padEnd(40)} ${String(declared).padStart(8)} | ${('×' + observed.toFixed(2)).padStart(8)} ${('×' + expectedOver(s, name, runStart, end).toFixed(2)).padStart(8)} | ${where}`)
  }
}
console.log(`truth audit, seed ${options.seed}, ${options.historyDays} days, scenarios backdated 4 days`)
console.log(rows.join('\n'))
console.log(`\nall scenarios: ${judged} blocks judged, ${disagree} (${((100 * disagree) / judged).toFixed(1)}%) disagree by > 25%; ${missing} movers missing from the truth`)
