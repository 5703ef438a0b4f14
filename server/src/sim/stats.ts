/**
 * Baseline statistics per stream (the contract's StreamBaseline), over the raw 12-hour bucket
 * values of the unmodified history: the spread a dashboard can use for context. Point
 * normalization does not use them; it compares each point with its time-aware expectation.
 */
import type { StreamBaseline } from '@marketsim/shared-types'

export interface StatsInput {
  name: string
  /** Raw point values in time order (counts, or levels). */
  values: number[]
  /** Local day index of each point. */
  days: number[]
  /** Whether each point falls on a weekend. */
  weekend: boolean[]
  /** Daily totals for counts, daily means for levels. */
  measure: 'count' | 'level'
  seasonality: string
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

const round = (x: number) => Math.round(x * 100) / 100

export function baselineStats(input: StatsInput): StreamBaseline {
  const { values } = input
  const n = values.length
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : 0
  const variance = n ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / n : 0
  const sorted = [...values].sort((a, b) => a - b)

  // Daily values: totals for counts, means for levels; then weekday / weekend averages.
  const daily = new Map<number, { sum: number; n: number; weekend: boolean }>()
  values.forEach((v, i) => {
    const d = daily.get(input.days[i]!) ?? { sum: 0, n: 0, weekend: input.weekend[i]! }
    d.sum += v
    d.n++
    daily.set(input.days[i]!, d)
  })
  const perDay = [...daily.entries()].sort((a, b) => a[0] - b[0]).map(([day, d]) => ({ day, weekend: d.weekend, v: input.measure === 'level' ? d.sum / d.n : d.sum }))
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0)
  const weekdayAvg = avg(perDay.filter((d) => !d.weekend).map((d) => d.v))
  const weekendAvg = avg(perDay.filter((d) => d.weekend).map((d) => d.v))

  // Trend: least-squares slope of weekly-pattern-free daily values (divided by their day-type mean).
  const adjusted = perDay.map((d) => ({ x: d.day, y: d.v / ((d.weekend ? weekendAvg : weekdayAvg) || 1) }))
  const mx = avg(adjusted.map((p) => p.x))
  const my = avg(adjusted.map((p) => p.y))
  const sxx = adjusted.reduce((a, p) => a + (p.x - mx) ** 2, 0)
  const slope = sxx > 0 ? adjusted.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / sxx : 0
  const changePerMonth = my > 0 ? (slope * 30) / my : 0
  const trend = changePerMonth > 0.02 ? 'increasing' : changePerMonth < -0.02 ? 'decreasing' : 'stable'

  return {
    name: input.name,
    mean: round(mean),
    median: round(quantile(sorted, 0.5)),
    stdDev: round(Math.sqrt(variance)),
    min: round(sorted[0] ?? 0),
    max: round(sorted[n - 1] ?? 0),
    percentiles: {
      p25: round(quantile(sorted, 0.25)),
      p50: round(quantile(sorted, 0.5)),
      p75: round(quantile(sorted, 0.75)),
      p90: round(quantile(sorted, 0.9)),
      p95: round(quantile(sorted, 0.95)),
    },
    patterns: { weekdayAvg: round(weekdayAvg), weekendAvg: round(weekendAvg), trend, seasonality: input.seasonality },
  }
}
