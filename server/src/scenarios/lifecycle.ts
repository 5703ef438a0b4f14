/**
 * A scenario instance's life as a pure function of time: active for its duration (or until
 * stopped), then settling along its curve, then settled. `knownAt` is the moment a decision is
 * taken: a stop only counts for decisions taken after it was pressed, so a re-run of the past
 * decides exactly as the live run did.
 */
import type { ScenarioDefinition, ScenarioStatus, SettlementType } from '@marketsim/shared-types'
import { parseDuration } from '@marketsim/shared-types'

export interface ScenarioRun {
  /** Modifier instance id, e.g. "mod_003". */
  id: string
  def: ScenarioDefinition
  /** When its effects begin (activation time, or a backdated start). */
  startMs: number
  /** From when decisions know about it (activation time; the start for a backdated run). */
  knownAt: number
  durationMs: number
  settleMs: number
  settleType: SettlementType
  /** When it was stopped (settling began early), and from when that is known. */
  stoppedAt?: number
}

export function newRun(id: string, def: ScenarioDefinition, startMs: number, knownAt: number): ScenarioRun {
  const durationMs = parseDuration(def.duration)
  return {
    id,
    def,
    startMs,
    knownAt,
    durationMs,
    settleMs: def.settlementDuration !== undefined ? parseDuration(def.settlementDuration) : durationMs,
    settleType: def.settlementType ?? 'linear',
  }
}

/** End of the active phase, as known at `knownAt`. */
export function activeEnd(run: ScenarioRun, knownAt = Number.POSITIVE_INFINITY): number {
  const planned = run.startMs + run.durationMs
  return run.stoppedAt !== undefined && run.stoppedAt <= knownAt ? Math.min(planned, run.stoppedAt) : planned
}

/** End of settling (immediate settling has none). */
export function settleEnd(run: ScenarioRun, knownAt = Number.POSITIVE_INFINITY): number {
  return activeEnd(run, knownAt) + (run.settleType === 'immediate' ? 0 : run.settleMs)
}

export interface Phase {
  status: ScenarioStatus | 'pending'
  /** Share of the deviation still in force: 1 while active, falling to 0 while settling. */
  strength: number
  /** 0-1 while settling. */
  progress?: number
}

export function phaseAt(run: ScenarioRun, t: number, knownAt = Number.POSITIVE_INFINITY): Phase {
  if (t < run.startMs) return { status: 'pending', strength: 0 }
  const end = activeEnd(run, knownAt)
  if (t < end) return { status: 'active', strength: 1 }
  const until = settleEnd(run, knownAt)
  if (t >= until) return { status: 'settled', strength: 0 }
  const p = (t - end) / (until - end)
  const strength = run.settleType === 'exponential' ? Math.exp(-3 * p) : 1 - p
  return { status: 'settling', strength, progress: p }
}

/** A declared multiplier at a given strength: 1 + (m − 1)·strength. */
export function blend(m: number, strength: number): number {
  return 1 + (m - 1) * strength
}
