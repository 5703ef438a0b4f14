/**
 * Normalization (api-contract §4): what a stream observably did against what the baseline
 * expected at that time, as a T-score 50 + 10·z clamped to 0..100, with warning at |z| ≥ 2
 * and critical at |z| ≥ 3. σ is honest for counts: Poisson √E plus the stream's hourly
 * variability (cv per hour of expected volume). Observations come from the data (the
 * buckets), never from what a scenario applied.
 */
import type { AnomalyFlag, HistoryPoint } from '@marketsim/shared-types'
import type { BucketStore } from './buckets.js'
import type { Expectation } from './expectation.js'
import type { Model } from './model.js'
import { BUCKET_MS, DAY, HOUR } from './time.js'

export function tScore(z: number): number {
  const v = 50 + 10 * z
  return Math.round((v < 0 ? 0 : v > 100 ? 100 : v) * 10) / 10
}

const round2 = (v: number) => Math.round(v * 100) / 100

export function flagOf(z: number): AnomalyFlag {
  const a = Math.abs(z)
  return a >= 3 ? 'critical' : a >= 2 ? 'warning' : 'normal'
}

/** Expected events in a live trailing window: enough for a few dozen at the stream's mean rate. */
const WINDOW_EVENTS = 40

export class Normalizer {
  /** Trailing window per stream, in whole buckets (the current partial bucket comes on top). */
  private readonly windowBuckets: Int32Array

  /**
   * The hourly variability a stream really shows: its own cv, or its cause's when it follows a
   * root within the hour (requests inherit the searches' weather, not the catalog's 0.20).
   */
  private readonly noiseCv: Float64Array

  constructor(
    private readonly model: Model,
    private readonly buckets: BucketStore,
    private readonly expectation: Expectation,
  ) {
    this.noiseCv = new Float64Array(model.streams.map((s) => s.def.cv))
    for (let pass = 0; pass < 4; pass++) {
      for (const c of model.chains) {
        for (const b of c.branches) {
          if (b.target >= 0 && b.maxDelay <= HOUR && !b.anchor && !c.deferred) {
            this.noiseCv[b.target] = Math.max(this.noiseCv[b.target]!, this.noiseCv[c.trigger]!)
          }
        }
      }
    }
    this.windowBuckets = new Int32Array(model.streams.length)
    // Streams timed from scheduled slots arrive in bursts on the quarter hour; a window of at
    // least an hour spans several bursts, so a burst's edge is not mistaken for a surge.
    const anchored = new Set(model.chains.flatMap((c) => c.branches.filter((b) => b.anchor || c.deferred).map((b) => b.target)))
    for (const s of model.streams) {
      const perBucket = (s.def.eventsPerDay / DAY) * BUCKET_MS
      const min = anchored.has(s.idx) ? HOUR / BUCKET_MS : 1
      this.windowBuckets[s.idx] = Math.min(DAY / BUCKET_MS, Math.max(min, Math.ceil(WINDOW_EVENTS / perBucket)))
    }
  }

  /** z of an observed count against its expectation over [from, to). */
  private countZ(s: number, observed: number, from: number, to: number): number {
    const e = this.expectation.expectedCount(s, from, to)
    const cv = this.noiseCv[s]!
    const span = to - from
    // Whole hours contribute their squared volumes; shorter spans share one hour's noise.
    const sq = span >= HOUR ? this.expectation.hourlySquares(s, from, to) : e * e
    // At least one event of spread: the expectation resolves 5-minute buckets, so a single
    // event where almost none was expected is within the model's precision, not an anomaly.
    const sd = Math.max(1, Math.sqrt(e + cv * cv * sq))
    return (observed - e) / sd
  }

  private levelZ(s: number, observedMean: number, from: number, to: number, samples: number): number {
    let sum = 0
    let n = 0
    for (let t = from; t < to; t += BUCKET_MS) {
      sum += this.expectation.expectedLevel(s, t)
      n++
    }
    const e = n > 0 ? sum / n : 0
    const sd = (this.model.streams[s]!.def.cv * e) / Math.sqrt(Math.max(1, samples))
    return sd > 0 ? (observedMean - e) / sd : 0
  }

  /** The live view of stream s at time t (the event just processed is already counted). */
  live(s: number, t: number): { normalizedValue: number; anomalyFlag: AnomalyFlag } {
    const { z } = this.window(s, t)
    return { normalizedValue: tScore(z), anomalyFlag: flagOf(z) }
  }

  /**
   * Stream s as it stands at t, for the `pulse` topic: observed against expected over its
   * trailing window. Unlike `live` it is asked between events, so a stream that went silent
   * shows as low rather than keeping the value of its last event. A level stream whose
   * current bucket has no sample yet is read from the previous bucket.
   */
  pulse(s: number, t: number): { observed: number; expected: number; normalized: number; anomalyFlag: AnomalyFlag } {
    const w = this.window(s, t, true)
    return { observed: round2(w.observed), expected: round2(w.expected), normalized: tScore(w.z), anomalyFlag: flagOf(w.z) }
  }

  private window(s: number, t: number, settled = false): { observed: number; expected: number; z: number } {
    const series = this.buckets.series[s]!
    let cur = this.buckets.indexOf(t)
    if (this.model.streams[s]!.def.measure === 'level') {
      if (settled && !series.counts[cur] && cur > 0) cur--
      const observed = series.counts[cur] ? series.sums[cur]! / series.counts[cur]! : 0
      const from = this.buckets.originMs + cur * BUCKET_MS
      const z = this.levelZ(s, observed, from, from + BUCKET_MS, 1)
      return { observed, expected: this.expectation.expectedLevel(s, from), z }
    }
    const first = Math.max(0, cur - this.windowBuckets[s]!)
    let observed = 0
    for (let b = first; b <= cur; b++) observed += series.counts[b] ?? 0
    const from = this.buckets.originMs + first * BUCKET_MS
    return { observed, expected: this.expectation.expectedCount(s, from, t + 1), z: this.countZ(s, observed, from, t + 1) }
  }

  /**
   * History points of stream s for buckets [from, to) of `interval` ms (all multiples of the
   * bucket size, aligned): value = count (or mean level), normalized against the expectation.
   * A point still in progress at `until` is compared with what was expected so far.
   */
  points(s: number, from: number, to: number, interval: number, until: number, stamp: (t: number) => string): HistoryPoint[] {
    const series = this.buckets.series[s]!
    const level = this.model.streams[s]!.def.measure === 'level'
    const out: HistoryPoint[] = []
    for (let a = from; a < to; a += interval) {
      const b0 = this.buckets.indexOf(a)
      const b1 = this.buckets.indexOf(a + interval)
      let count = 0
      let sum = 0
      for (let b = Math.max(0, b0); b < Math.min(b1, series.length); b++) {
        count += series.counts[b]!
        sum += series.sums[b]!
      }
      let value: number
      let z: number
      if (level) {
        value = count > 0 ? Math.round(sum / count) : 0
        z = count > 0 ? this.levelZ(s, sum / count, a, Math.min(a + interval, until), count) : 0
      } else {
        value = count
        z = this.countZ(s, count, a, Math.min(a + interval, until))
      }
      out.push({ timestamp: stamp(a), value, normalized: tScore(z) })
    }
    return out
  }
}
