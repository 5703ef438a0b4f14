#!/usr/bin/env node
/**
 * `npm run honesty [-- --seed 42 --days 30]`: how often the simulator flags a world in which
 * nothing was changed, and how fast a real change shows.
 * 1. Start minute (:00, :20, :40) × interval → % critical, % warning, % within 30-70, mean,
 *    worst stream, over the complete buckets of the history: in the pure baseline (no
 *    background events, no random anomalies), and in the default world with every bucket the
 *    ground truth lists an effect for left out.
 * 2. The live pulse in pure baseline over three hours: % critical and % warning.
 * 3. Seconds from activation to ≥ 70 (or ≤ 30 for a stream the scenario lowers) on the pulse,
 *    per stream the scenario names, at 1× (simulated seconds driven one by one: at 1× a
 *    simulated second is a real one).
 */
import path from 'node:path'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { buildIfStale, ROOT } from './lib/build.mjs'

buildIfStale({ only: ['shared-types', 'server'], tag: 'honesty' })
const load = (p) => import(pathToFileURL(path.join(ROOT, 'server', 'dist', p)).href)
const { loadConfig } = await load('config/load.js')
const { DEFAULT_CONFIG_DIR } = await load('paths.js')
const { Simulation } = await load('sim/simulation.js')
const { groundTruth } = await load('scenarios/ground-truth.js')
const { buildApp } = await load('app.js')

const { values: args } = parseArgs({ options: { seed: { type: 'string', default: '42' }, days: { type: 'string', default: '30' } } })
const seed = Number(args.seed)
const days = Number(args.days)
const world = loadConfig(DEFAULT_CONFIG_DIR)
const MIN = 60_000
const INTERVALS = { '5m': 5, '15m': 15, '1h': 60, '6h': 360, '12h': 720, '1d': 1440 }
const BASE = Date.parse('2026-11-20T12:00:00Z')
const pct = (x, n) => `${((100 * x) / n).toFixed(2)}%`

function tally(sim, startMs, minutes, excluded) {
  const iv = minutes * MIN
  let n = 0, crit = 0, warn = 0, within = 0, sum = 0
  let worst = { stream: '-', share: 0 }
  sim.streamNames.forEach((name, s) => {
    const from = Math.ceil(sim.historyStartMs / iv) * iv
    const points = sim.history(s, from, Math.floor(startMs / iv) * iv, iv)
    let c = 0, m = 0
    points.forEach((p, i) => {
      const a = from + i * iv
      if (excluded?.(name, a, a + iv)) return
      const z = Math.abs(p.normalized - 50) / 10
      m++
      sum += p.normalized
      if (z >= 3) c++
      else if (z >= 2) warn++
      if (p.normalized >= 30 && p.normalized <= 70) within++
    })
    n += m
    crit += c
    if (m > 0 && c / m > worst.share) worst = { stream: name, share: c / m }
  })
  return { n, crit, warn, within, mean: sum / n, worst }
}

function table(label, background) {
  console.log(`\n${label}`)
  console.log('| start | interval | points | critical | warning | within 30-70 | mean | worst stream (critical) |')
  console.log('|---|---|---|---|---|---|---|---|')
  for (const minute of [0, 20, 40]) {
    const startMs = BASE + minute * MIN
    const sim = new Simulation(world, { seed, startMs, historyDays: days, background })
    sim.build()
    let excluded
    if (background) {
      const effects = groundTruth(sim, sim.historyStartMs, startMs).map((e) => ({ stream: e.stream, from: Date.parse(e.onset), to: e.settleEnd ? Date.parse(e.settleEnd) : Infinity }))
      excluded = (name, a, b) => effects.some((e) => e.stream === name && e.from < b && e.to > a)
    }
    for (const [name, minutes] of Object.entries(INTERVALS)) {
      const r = tally(sim, startMs, minutes, excluded)
      const worst = r.worst.share > 0 ? `${r.worst.stream} ${(100 * r.worst.share).toFixed(1)}%` : 'none'
      console.log(`| :${String(minute).padStart(2, '0')} | ${name} | ${r.n} | ${pct(r.crit, r.n)} | ${pct(r.warn, r.n)} | ${((100 * r.within) / r.n).toFixed(1)}% | ${r.mean.toFixed(1)} | ${worst} |`)
    }
  }
}

function pulseBaseline() {
  const startMs = Date.parse('2026-11-24T13:40:00Z')
  const sim = new Simulation(world, { seed, startMs, historyDays: 10, background: false })
  sim.build()
  let n = 0, crit = 0, warn = 0
  for (let at = startMs + 10_000; at <= startMs + 3 * 3_600_000; at += 10_000) {
    sim.advanceTo(at)
    for (const p of Object.values(sim.pulse())) {
      n++
      if (p.anomalyFlag === 'critical') crit++
      else if (p.anomalyFlag === 'warning') warn++
    }
  }
  console.log(`\nLive pulse, pure baseline, 3 h read every 10 s (${n} readings): critical ${pct(crit, n)}, warning ${pct(warn, n)}`)
}

async function timeToSee(scenarioId, startIso) {
  const startMs = Date.parse(startIso)
  const app = await buildApp({ logger: false, simulation: { seed, historyDays: 3, tickMs: 0, startMs } })
  await app.ready()
  const host = app.simulation
  let at = startMs + 10 * MIN
  host.sim.advanceTo(at)
  const res = await app.inject({ method: 'POST', url: '/api/simulation/scenario', payload: { scenarioId } })
  const streams = Object.keys(res.json().scenario.affectedStreams ?? {})
  // A stream whose meaning is a mix (the gateway's failed share) is watched by that share too.
  const shared = streams.filter((name) => host.sim.pulse()[name].share)
  const seen = new Map()
  const watched = streams.length + shared.length
  for (let s = 1; s <= 1800 && seen.size < watched; s++) {
    at += 1000
    host.sim.advanceTo(at)
    const pulse = host.sim.pulse()
    for (const name of streams) if (!seen.has(name) && (pulse[name].normalized >= 70 || pulse[name].normalized <= 30)) seen.set(name, `${s} s (${pulse[name].normalized})`)
    for (const name of shared) {
      const share = pulse[name].share
      if (!seen.has(`${name} share`) && share.normalized >= 70) seen.set(`${name} share`, `${s} s (${share.normalized})`)
    }
  }
  await app.close()
  const label = (key) => `${key}: ${seen.get(key) ?? 'not within 30 min'}`
  return [...streams.map(label), ...shared.map((name) => label(`${name} share`))].join('; ')
}

console.log(`seed ${seed}, ${days} days of history, history starting ${new Date(BASE).toISOString()} plus the start minute`)
table('History, pure baseline (no background events, no random anomalies)', false)
table('History, default world, buckets with a ground-truth effect on the stream left out', true)
pulseBaseline()
console.log('\nActivation → pulse ≥ 70 (≤ 30 where lowered), at 1×, simulated seconds = real seconds:')
for (const [id, at] of [['exam-season-surge', '2026-11-24T14:00:00Z'], ['exam-season-surge', '2026-11-25T09:00:00Z'], ['payment-outage', '2026-11-24T14:00:00Z'], ['payment-outage', '2026-11-25T09:00:00Z']]) {
  console.log(`- ${id} at ${at.slice(0, 16)}Z: ${await timeToSee(id, at)}`)
}
