import { signal } from '@preact/signals'
import type { GroundTruthEffect, ScenarioModifier } from '@marketsim/shared-types'
import { explain, type Api } from '../api.js'

/** One applied effect as the console lists it: declared, applied now, and the peak so far. */
export interface TruthRow {
  id: string
  stream: string
  cause: string
  mechanism: GroundTruthEffect['mechanism']
  declared: number
  now: number
  /** The stream's expected count now with the cause's kind of effect ÷ without it. */
  expected: number
  peak: number
}

/** The last 15-minute sample at or before `t` (undefined before the onset). */
function sampleAt(e: GroundTruthEffect, t: number): GroundTruthEffect['factors'][number] | undefined {
  let found: GroundTruthEffect['factors'][number] | undefined
  for (const s of e.factors) {
    if (Date.parse(s.timestamp) > t) break
    found = s
  }
  return found
}

/** The factor applied at `t` (1 before the onset). */
export function factorAt(e: GroundTruthEffect, t: number): number {
  return sampleAt(e, t)?.factor ?? 1
}

/** The expected ratio at `t` (1 before the onset). */
export function expectedAt(e: GroundTruthEffect, t: number): number {
  return sampleAt(e, t)?.expectedRatio ?? 1
}

export function rowsOf(effects: GroundTruthEffect[], m: ScenarioModifier, now: number): TruthRow[] {
  return effects
    .filter((e) => e.cause.id === m.id || e.cause.scenarioId === m.type || m.relatedEvents.includes(e.cause.id))
    .map((e) => ({
      id: e.id,
      stream: e.stream,
      cause: e.cause.kind === 'scenario' ? 'scenario' : `${e.cause.kind}: ${e.cause.name}`,
      mechanism: e.mechanism,
      declared: e.declaredFactor,
      now: factorAt(e, now),
      expected: expectedAt(e, now),
      peak: e.peak.factor,
    }))
    .sort((a, b) => Math.abs(b.now - 1) - Math.abs(a.now - 1) || a.stream.localeCompare(b.stream))
}

/**
 * The ground truth of the running scenario: what the simulator applied to which stream, read
 * from the same endpoint an anomaly detector's test harness would use.
 */
export function createTruth(api: Api) {
  const rows = signal<TruthRow[]>([])
  const error = signal<string | undefined>(undefined)
  const forScenario = signal<string | undefined>(undefined)

  return {
    rows,
    error,
    forScenario,
    /** `now` is the server's time (a pulse's), not the console's running estimate. */
    async load(m: ScenarioModifier | undefined, now: number) {
      if (!m) {
        rows.value = []
        forScenario.value = undefined
        return
      }
      // From the scenario's start, so the 15-minute samples fall on it and "now" is never a
      // sample from before it; a week is plenty for what is shown (a backdated start can be older).
      const start = Math.max(Date.parse(m.startTime), now - 7 * 86_400_000)
      if (start >= now) return // the server has not reached the start yet; next time
      try {
        const r = await api.groundTruth(new Date(start).toISOString(), new Date(now + 3_600_000).toISOString())
        rows.value = rowsOf(r.effects, m, now)
        forScenario.value = m.id
        error.value = undefined
      } catch (e) {
        error.value = explain(e)
      }
    },
  }
}
export type Truth = ReturnType<typeof createTruth>
