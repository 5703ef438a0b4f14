/**
 * The events of a window [from, to), produced by the server's own Simulation: the same seed,
 * start and scenario runs give the same trajectory, and only emitFrom (which the draws do not
 * depend on) moves to the window. Events come out slice by slice, so nothing holds the window.
 *
 * Numbering: payloads are drawn from a generator seeded by seq, so seq must be the server's
 * for the data to be. Events at or after the live start carry the server's live seq (1, 2, …,
 * whatever the window); events before it, which the server only counts, are numbered so they
 * run into it (…, -1, 0, then 1 at the live start). Overlapping windows therefore agree.
 * That takes a counting pass over [from, start) first: it builds nothing.
 */
import type { GroundTruthEffect, StreamEvent } from '@marketsim/shared-types'
import type { WorldConfig } from '../config/load.js'
import { groundTruth } from '../scenarios/ground-truth.js'
import type { ScenarioRun } from '../scenarios/lifecycle.js'
import { Simulation } from '../sim/simulation.js'
import { DAY, MINUTE } from '../sim/time.js'
import type { ExportOptions } from './options.js'

/** The window and the world it is cut from (the options minus how to write it). */
export type WindowSpec = Pick<ExportOptions, 'fromMs' | 'toMs' | 'startMs' | 'historyDays' | 'seed' | 'streams'> & {
  /** Fresh runs per simulation (a run is compiled into the world that holds it). */
  runs: () => ScenarioRun[]
}

export interface Progress {
  /** Simulated milliseconds done out of `total` (the counting pass included). */
  done: number
  total: number
  /** Simulated time reached. */
  at: number
  events: number
}

/** Simulated time per slice while events are written: a few thousand events at a time. */
const WRITE_SLICE = 10 * MINUTE
/** Before the window nothing is built: a day at a time (the server's build slice). */
const BUILD_SLICE = DAY

function world(w: WindowSpec, config: WorldConfig, emitFrom: number, seq: number): Simulation {
  // A Continuation is how a world starts emitting elsewhere than at its live start.
  return new Simulation(config, { seed: w.seed, startMs: w.startMs, historyDays: w.historyDays }, w.runs(), {
    emitFrom,
    seq,
    listeners: new Set(),
    baseline: new Map(),
    lastModifiedMs: w.startMs,
  })
}

/** The world run to `toMs` with nothing built (counts, truth and labels read it): a dataset's, a score's. */
export function countedWorld(w: Pick<WindowSpec, 'toMs' | 'startMs' | 'historyDays' | 'seed' | 'runs'>, config: WorldConfig): Simulation {
  const sim = new Simulation(config, { seed: w.seed, startMs: w.startMs, historyDays: w.historyDays }, w.runs())
  sim.showFrom = Number.POSITIVE_INFINITY
  for (const _ of sim.buildSteps());
  while (sim.now < w.toMs) sim.advanceTo(Math.min(w.toMs, sim.now + BUILD_SLICE))
  return sim
}

/** Run sim to `until`, a slice at a time, yielding what each slice emitted. */
function* run(sim: Simulation, until: number): Generator<StreamEvent[]> {
  while (sim.now < until) {
    const emitFrom = sim.engine.emitFrom
    // Up to the first emitted event a day at a time, then small slices, never one across both.
    const next = sim.now < emitFrom ? Math.min(emitFrom, sim.now + BUILD_SLICE) : sim.now + WRITE_SLICE
    yield sim.advanceTo(Math.min(until, next))
  }
}

/**
 * The window's events in timeline order, one slice per item, with the simulation's progress;
 * the generator's return value is the simulation at `to` (for the ground truth).
 */
export function* windowEvents(w: WindowSpec, config: WorldConfig, progress?: (p: Progress) => void): Generator<StreamEvent[], Simulation> {
  const emitFrom = Math.min(w.fromMs, w.startMs)
  let done = 0
  let events = 0
  let sim = world(w, config, emitFrom, 0)
  const origin = sim.engine.originMs
  const total = (w.fromMs < w.startMs ? w.startMs - origin : 0) + (w.toMs - origin)
  if (w.fromMs < w.startMs) {
    sim.showFrom = w.startMs // numbered, never built
    for (const _ of run(sim, w.startMs)) progress?.({ done: (done = sim.now - origin), total, at: sim.now, events })
    sim = world(w, config, emitFrom, -sim.continuation().seq)
  }
  sim.showFrom = w.fromMs
  const base = done
  for (const batch of run(sim, w.toMs)) {
    const kept = w.streams ? batch.filter((e) => w.streams!.has(e.stream)) : batch
    events += kept.length
    progress?.({ done: base + sim.now - origin, total, at: sim.now, events })
    if (kept.length > 0) yield kept
  }
  return sim
}

/** The ground truth of the window (what GET /api/simulation/ground-truth answers), kept to the streams. */
export function windowTruth(sim: Simulation, w: WindowSpec): GroundTruthEffect[] {
  return groundTruth(sim, w.fromMs, w.toMs).filter((e) => !w.streams || w.streams.has(e.stream))
}
