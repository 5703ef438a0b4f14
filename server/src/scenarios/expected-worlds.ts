/**
 * What each stream's count is expected to do in the world as bent, against the world without
 * the bend: the same expectation pass that normalizes (sim/expectation.ts), run with the
 * world's modifiers. Two bent passes answer the ground truth's two questions:
 *
 * - `scenario`: expected with everything ÷ expected without the scenario runs;
 * - `background`: expected without the runs (background events, anomalies, always-on
 *   cascades) ÷ the pure baseline.
 *
 * A pass only reads the modifiers: cascade lifts are computed read-only and plans are never
 * cached, so asking for the truth leaves the world exactly as it would have been.
 */
import { Expectation, type ExpectationModifiers } from '../sim/expectation.js'
import type { Engine } from '../sim/engine.js'
import type { Effects } from './effects.js'

export type TruthView = 'scenario' | 'background'

function modifiersOf(effects: Effects): ExpectationModifiers {
  return {
    rate: (stream, t) => effects.rateFactor(stream, t),
    plan: (chain, t, knownAt) => effects.planFor(chain, t, knownAt),
    conditionGrowth: (chain, i, t) => {
      const condition = chain.branches[i]!.condition
      return condition ? effects.conditionGrowth(chain.trigger, condition, t, t) : 1
    },
  }
}

export class ExpectedWorlds {
  private passes: { key: string; world: Expectation; withoutRuns: Expectation } | undefined

  constructor(
    private readonly engine: Engine,
    private readonly effects: Effects,
  ) {}

  /** What the passes depend on beyond the config: the runs, their starts and stops. */
  private key(): string {
    return this.effects.runs.map((c) => `${c.run.id}@${c.run.startMs}/${c.run.knownAt}/${c.run.stoppedAt ?? ''}`).join(',')
  }

  private current(): { world: Expectation; withoutRuns: Expectation } {
    const key = this.key()
    if (this.passes?.key !== key) {
      const bare = this.effects.withoutRuns()
      this.passes = {
        key,
        world: new Expectation(this.engine.model, this.engine, modifiersOf(this.effects)),
        withoutRuns: new Expectation(this.engine.model, this.engine, modifiersOf(bare)),
      }
    }
    return this.passes
  }

  /** Expected counts of a stream in [from, to) in the bent world of a view, and without its bend. */
  counts(view: TruthView, stream: number, from: number, to: number): { bent: number; plain: number } {
    const p = this.current()
    const cascades = this.effects.cascades
    const was = cascades.readOnly
    cascades.readOnly = true
    try {
      if (view === 'scenario') {
        if (this.effects.runs.length === 0) {
          const x = p.withoutRuns.expectedCount(stream, from, to)
          return { bent: x, plain: x }
        }
        return { bent: p.world.expectedCount(stream, from, to), plain: p.withoutRuns.expectedCount(stream, from, to) }
      }
      return { bent: p.withoutRuns.expectedCount(stream, from, to), plain: this.engine.expectation.expectedCount(stream, from, to) }
    } finally {
      cascades.readOnly = was
    }
  }

  /**
   * Compute the passes up to `until` six simulated hours at a time, yielding between, so the
   * first ground-truth request finds them ready instead of computing seconds of them on its
   * thread. Stops early when `cancelled` says so (the server closes).
   */
  async warm(until: number, yieldNow: () => Promise<void>, cancelled: () => boolean): Promise<void> {
    const SLICE_MS = 6 * 3_600_000 // some 10-40 ms of work: the event loop stays responsive
    for (let t = this.engine.originMs + SLICE_MS; !cancelled(); t += SLICE_MS) {
      const at = Math.min(t, until)
      this.counts('background', 0, at - 1, at)
      if (this.effects.runs.length > 0) this.counts('scenario', 0, at - 1, at)
      if (at >= until) return
      await yieldNow()
    }
  }

  /** Expected count with the view's bend ÷ without it, over [from, to) (1 where nothing is expected). */
  ratio(view: TruthView, stream: number, from: number, to: number): number {
    const { bent, plain } = this.counts(view, stream, from, to)
    return plain > 1e-9 ? bent / plain : 1
  }
}
