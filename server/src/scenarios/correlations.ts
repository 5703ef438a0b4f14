/**
 * Event → stream correlations (correlations.md, the "better form"): for each timeline event,
 * how each stream's normalized level moved while the event was in force. Strength is the
 * Pearson r between an event-active indicator and the normalized series over an equal-length
 * window before plus the event window; confidence is 1 − p of its t-test. Streams the event
 * names are always reported; any other stream only when it moved 15 points or more, so
 * unexpected movers show up and red herrings show up as no movement.
 */
import type { CorrelationData, ExternalEvent } from '@marketsim/shared-types'
import { parseImpactDuration } from '../config/durations.js'
import type { Simulation } from '../sim/simulation.js'
import { formatIso } from '../sim/payload.js'

const INTERVALS = [6 * 3_600_000, 3_600_000, 900_000, 300_000]
const CHANGED = 15

export interface CorrelationFilter {
  eventId?: string
  stream?: string
  startTime?: number
  endTime?: number
}

/** Two-sided p-value of Student's t with df degrees of freedom (Hill's approximation via the normal). */
function pValue(t: number, df: number): number {
  if (df <= 0) return 1
  const x = Math.abs(t)
  // Convert t to an approximately standard normal z (Wallace 1959), then the normal tail.
  const z = Math.sqrt(df * Math.log(1 + (x * x) / df)) * (1 - 1 / (8 * df))
  const tail = 0.5 * erfc(z / Math.SQRT2)
  return Math.min(1, 2 * tail)
}

function erfc(x: number): number {
  // Numerical Recipes erfc, accurate to ~1e-7.
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
  return x >= 0 ? r : 2 - r
}

export function eventWindow(e: ExternalEvent, now: number): [number, number] {
  const start = Date.parse(e.timestamp)
  const lasts = parseImpactDuration(e.expectedImpact.duration)
  return [start, Math.min(now, start + lasts)]
}

export function correlate(sim: Simulation, e: ExternalEvent, streams: number[]): CorrelationData[] {
  const [start, end] = eventWindow(e, sim.now)
  if (end <= start) return []
  const span = end - start
  const iv = INTERVALS.find((i) => span / i >= 6) ?? INTERVALS.at(-1)!
  const before = Math.max(sim.historyStartMs, start - span)
  const a = Math.ceil(before / iv) * iv
  const b = Math.floor(end / iv) * iv
  const named = new Set(e.expectedImpact.streams)
  const out: CorrelationData[] = []
  for (const s of streams) {
    const points = sim.history(s, a, b, iv)
    const xs: number[] = []
    const ys: number[] = []
    for (const p of points) {
      const t = Date.parse(p.timestamp)
      xs.push(t >= start ? 1 : 0)
      ys.push(p.normalized)
    }
    const during = ys.filter((_, i) => xs[i] === 1)
    const prior = ys.filter((_, i) => xs[i] === 0)
    if (during.length < 2) continue
    const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length
    const baselineMean = prior.length > 0 ? mean(prior) : 50
    const eventMean = mean(during)
    const name = sim.engine.model.streams[s]!.name
    if (!named.has(name) && Math.abs(eventMean - baselineMean) < CHANGED) continue
    let r = 0
    if (prior.length > 0) {
      const mx = mean(xs)
      const my = mean(ys)
      let sxy = 0
      let sxx = 0
      let syy = 0
      for (let i = 0; i < xs.length; i++) {
        sxy += (xs[i]! - mx) * (ys[i]! - my)
        sxx += (xs[i]! - mx) ** 2
        syy += (ys[i]! - my) ** 2
      }
      r = sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0
    }
    const n = ys.length
    const tStat = Math.abs(r) < 1 ? (r * Math.sqrt(n - 2)) / Math.sqrt(1 - r * r) : Infinity
    const round = (x: number, k = 1000) => Math.round(x * k) / k
    out.push({
      eventId: e.id,
      stream: name,
      strength: round(r),
      direction: eventMean > baselineMean ? 'positive' : eventMean < baselineMean ? 'negative' : 'none',
      confidence: round(1 - pValue(tStat, n - 2)),
      sampleSize: n,
      startTime: formatIso(start),
      endTime: formatIso(end),
      baselineMean: round(baselineMean, 10),
      eventMean: round(eventMean, 10),
      changeMagnitude: round(baselineMean !== 0 ? ((eventMean - baselineMean) / baselineMean) * 100 : 0, 10),
    })
  }
  return out
}

export function correlations(sim: Simulation, f: CorrelationFilter): CorrelationData[] {
  const model = sim.engine.model
  const streams = f.stream !== undefined ? [model.index.get(f.stream)!] : model.streams.map((s) => s.idx)
  const events = sim.timelineEvents(sim.historyStartMs, sim.now).filter((e) => {
    if (f.eventId !== undefined && e.id !== f.eventId) return false
    const [start, end] = eventWindow(e, sim.now)
    if (f.startTime !== undefined && end < f.startTime) return false
    if (f.endTime !== undefined && start > f.endTime) return false
    return true
  })
  return events.flatMap((e) => correlate(sim, e, streams))
}
