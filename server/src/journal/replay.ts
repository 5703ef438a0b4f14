/**
 * Folding the journal into what a restart needs: the world's identity, the scenario runs in
 * it (after the last reset), the clock speed and the point the world had reached.
 */
import type { WorldConfig } from '../config/load.js'
import { newRun, type ScenarioRun } from '../scenarios/lifecycle.js'
import type { ActionRecord, WorldRecord } from './records.js'

export interface RunSpec {
  id: string
  scenarioId: string
  startMs: number
  knownAt: number
  stoppedAt?: number
}

export interface Replay {
  world: WorldRecord
  runs: RunSpec[]
  /** The number the next modifier id takes (ids are never reused, resets included). */
  nextId: number
  speed: number | undefined
  /** The last clock anchor (a live world's clock is a function of it and the wall clock). */
  clock: { at: number; speed: number; wall?: number } | undefined
  lastModifiedMs: number
  /** Where the world had got to: the restarted world runs on from here. */
  resumeAt: number
  /**
   * Where the restarted world starts emitting (everything before `at` emitted, the last event
   * numbered `seq`): some simulated minutes before `resumeAt`, so the recent events and the
   * WebSocket catch-up reach back across the restart, but never before the last rebuild of the
   * past (a backdated scenario or a reset rewrote what had been emitted before it).
   */
  emitFrom: { at: number; seq: number }
}

/** How far before the resume point the restarted world re-emits (the catch-up buffer's reach). */
export const REFILL_MS = 10 * 60_000

export function fold(world: WorldRecord, actions: ActionRecord[]): Replay {
  const r: Replay = {
    world,
    runs: [],
    nextId: 1,
    speed: undefined,
    clock: undefined,
    lastModifiedMs: world.startMs,
    resumeAt: world.startMs,
    emitFrom: { at: world.startMs, seq: 0 },
  }
  const points = [{ at: world.startMs, seq: 0 }]
  let rewoundTo = world.startMs
  for (const a of actions) {
    points.push({ at: a.at, seq: a.seq })
    r.resumeAt = Math.max(r.resumeAt, a.at)
    if (a.type === 'reset' || (a.type === 'activate' && a.startMs < a.at)) rewoundTo = a.at
    switch (a.type) {
      case 'activate':
        r.runs.push({ id: a.id, scenarioId: a.scenarioId, startMs: a.startMs, knownAt: a.knownAt })
        r.nextId = Math.max(r.nextId, Number(a.id.replace(/^mod_/, '')) + 1)
        r.lastModifiedMs = a.at
        break
      case 'stop': {
        const run = r.runs.find((x) => x.id === a.id)
        if (run) run.stoppedAt = a.at
        r.lastModifiedMs = a.at
        break
      }
      case 'reset':
        r.runs = []
        r.lastModifiedMs = a.at
        break
      case 'speed':
        r.speed = a.speed
        r.clock = { at: a.at, speed: a.speed, ...(a.wall !== undefined ? { wall: a.wall } : {}) }
        break
      case 'checkpoint':
        break
    }
  }
  const target = Math.max(rewoundTo, r.resumeAt - REFILL_MS)
  r.emitFrom = points.filter((p) => p.at <= target).reduce((a, b) => (b.at >= a.at ? b : a))
  return r
}

/** The journal's runs as the controller made them (a stop included). */
export function scenarioRunsOf(specs: RunSpec[], world: WorldConfig): ScenarioRun[] {
  return specs.map((r): ScenarioRun => {
    const def = world.scenarios.find((d) => d.id === r.scenarioId)
    if (!def) throw new Error(`the journal names scenario ${r.scenarioId}, which the config does not hold`)
    return { ...newRun(r.id, def, r.startMs, r.knownAt), ...(r.stoppedAt !== undefined ? { stoppedAt: r.stoppedAt } : {}) }
  })
}
