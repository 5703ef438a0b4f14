/**
 * Normalization (api-contract §4): what a stream observably did against what the baseline
 * expected for exactly that window, as a T-score 50 + 10·z clamped to 0..100, with warning at
 * |z| ≥ 2 and critical at |z| ≥ 3. The expected count comes from the expectation pass (hours,
 * weekday, season, growth and the chains' lags); its spread from spread.ts (Poisson, clustered
 * followers, and the weather of the roots per UTC hour of the window); the z from the count's
 * own distribution (count-z.ts). Observations come from the data, never from what a scenario
 * applied. Live, each stream is judged over a trailing window sized to its rate (windows.ts).
 */
import type { AnomalyFlag, HistoryPoint, PulseStream, ShareMeasure } from '@marketsim/shared-types'
import type { BucketStore } from './buckets.js'
import { countZ, shareZ } from './count-z.js'
import type { Expectation } from './expectation.js'
import type { Model, ShareMeasureRt } from './model.js'
import type { Spread } from './spread.js'
import { BUCKET_MS } from './time.js'
import { SHARE_WINDOW_EVENTS, windowLength } from './windows.js'

export function tScore(z: number): number {
  const v = 50 + 10 * z
  return Math.round((v < 0 ? 0 : v > 100 ? 100 : v) * 10) / 10
}

const round2 = (v: number) => Math.round(v * 100) / 100

export function flagOf(z: number): AnomalyFlag {
  const a = Math.abs(z)
  return a >= 3 ? 'critical' : a >= 2 ? 'warning' : 'normal'
}

/**
 * Window lengths are computed once per simulated second (they change with the rate, slowly),
 * for the second's start: the same whoever asks first, so events are normalized alike in every
 * run of the world.
 */
const WINDOW_STEP_MS = 1_000

export class Normalizer {
  private readonly shares: Array<ShareMeasureRt | undefined>
  private readonly windowAt: Float64Array
  private readonly windowMs: Float64Array

  constructor(
    private readonly model: Model,
    private readonly buckets: BucketStore,
    private readonly expectation: Expectation,
    readonly spread: Spread,
  ) {
    this.shares = model.streams.map(() => undefined)
    for (const m of model.shares) this.shares[m.stream] = m
    this.windowAt = new Float64Array(model.streams.length).fill(Number.NaN)
    this.windowMs = new Float64Array(model.streams.length)
  }

  /** z of an observed count against its expectation over [from, to). */
  private countZ(s: number, observed: number, from: number, to: number): number {
    const e = this.expectation.expectedCount(s, from, to)
    return countZ(observed, e, this.spread.variance(s, from, to, (a, b) => this.expectation.expectedCount(s, a, b)))
  }

  /** The live window of stream s ending at `end` (exclusive), in ms. */
  windowOf(s: number, end: number): number {
    // Ends are exclusive (everything at or before t counts, so a window ends at t + 1).
    const at = Math.floor((end - 1) / WINDOW_STEP_MS) * WINDOW_STEP_MS + 1
    if (at === this.windowAt[s]) return this.windowMs[s]!
    const w = windowLength((from) => this.expectation.expectedCount(s, from, at), at)
    this.windowAt[s] = at
    this.windowMs[s] = w
    return w
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
  pulse(s: number, t: number): PulseStream {
    const w = this.window(s, t, true)
    const out: PulseStream = { observed: round2(w.observed), expected: round2(w.expected), normalized: tScore(w.z), anomalyFlag: flagOf(w.z) }
    if (w.windowMs !== undefined) out.windowSeconds = w.windowMs / 1000
    const m = this.shares[s]
    if (m) {
      // Its own window: about ten expected events, so a changed mix shows within minutes.
      const end = t + 1
      const len = windowLength((from) => this.expectation.expectedCount(s, from, end), end, SHARE_WINDOW_EVENTS)
      const n = this.buckets.arrivals.countSince(s, end - len)
      const k = this.buckets.hitArrivals.countSince(s, end - len)
      const z = shareZ(k, n, m.expected)
      out.share = { ...this.share(m, k, n, z), anomalyFlag: flagOf(z), windowSeconds: len / 1000 }
    }
    return out
  }

  private window(s: number, t: number, settled = false): { observed: number; expected: number; z: number; windowMs?: number } {
    if (this.model.streams[s]!.def.measure === 'level') {
      const series = this.buckets.series[s]!
      let cur = this.buckets.indexOf(t)
      if (settled && !series.counts[cur] && cur > 0) cur--
      const observed = series.counts[cur] ? series.sums[cur]! / series.counts[cur]! : 0
      const from = this.buckets.originMs + cur * BUCKET_MS
      const z = this.levelZ(s, observed, from, from + BUCKET_MS, 1)
      return { observed, expected: this.expectation.expectedLevel(s, from), z }
    }
    // Everything at or before t has happened: the window is [end - w, end).
    const end = t + 1
    const w = this.windowOf(s, end)
    const observed = this.buckets.arrivals.countSince(s, end - w)
    return { observed, expected: this.expectation.expectedCount(s, end - w, end), z: this.countZ(s, observed, end - w, end), windowMs: w }
  }

  private share(m: ShareMeasureRt, k: number, n: number, z: number): ShareMeasure {
    return { field: m.field, value: m.value, observed: n > 0 ? Math.round((k / n) * 10000) / 10000 : 0, expected: Math.round(m.expected * 10000) / 10000, normalized: tScore(z) }
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
      let hits = 0
      for (let b = Math.max(0, b0); b < Math.min(b1, series.length); b++) {
        count += series.counts[b]!
        sum += series.sums[b]!
        if (series.hits) hits += series.hits[b]!
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
      const point: HistoryPoint = { timestamp: stamp(a), value, normalized: tScore(z) }
      const m = this.shares[s]
      if (m && count > 0) point.share = this.share(m, hits, count, shareZ(hits, count, m.expected))
      out.push(point)
    }
    return out
  }
}
