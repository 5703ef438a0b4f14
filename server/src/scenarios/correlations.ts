/**
 * Event → stream correlations (correlations.md, the "better form"): for each timeline event,
 * how each stream's normalized level moved while the event was in force. Strength is the
 * Pearson r between an event-active indicator and the normalized series over an equal-length
 * window before plus the event window; confidence is 1 − p of its t-test. Streams the event
 * names are always reported; any other stream only when it moved 15 points or more, so
 * unexpected movers show up and red herrings show up as no movement.
 */
import type { CorrelationData, ExternalEvent } from '@marketsim/shared-types'
import { parseImpactDuration } from '@marketsim/shared-types'
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

/** The points an event's correlation reads: `interval`-aligned times in [from, to), every one a closed bucket. */
interface Frame {
  start: number
  end: number
  interval: number
  from: number
  to: number
}

function frameOf(sim: Simulation, e: ExternalEvent): Frame | undefined {
  const [start, end] = eventWindow(e, sim.now)
  if (end <= start) return undefined
  const span = end - start
  const interval = INTERVALS.find((i) => span / i >= 6) ?? INTERVALS.at(-1)!
  const before = Math.max(sim.historyStartMs, start - span)
  // `to` ≤ end ≤ now: the last point read is a bucket that has closed, so it never changes.
  return { start, end, interval, from: Math.ceil(before / interval) * interval, to: Math.floor(end / interval) * interval }
}

/** The normalized level of one stream at each `interval`-aligned time in [from, to). */
type Series = (stream: number, from: number, to: number, interval: number) => Array<{ t: number; normalized: number }>

const direct =
  (sim: Simulation): Series =>
  (s, from, to, interval) =>
    sim.history(s, from, to, interval).map((p) => ({ t: Date.parse(p.timestamp), normalized: p.normalized }))

export function correlate(sim: Simulation, e: ExternalEvent, streams: number[], series: Series = direct(sim)): CorrelationData[] {
  const f = frameOf(sim, e)
  if (!f) return []
  const { start, end } = f
  const named = new Set(e.expectedImpact.streams)
  const out: CorrelationData[] = []
  for (const s of streams) {
    const points = series(s, f.from, f.to, f.interval)
    const xs: number[] = []
    const ys: number[] = []
    for (const p of points) {
      xs.push(p.t >= start ? 1 : 0)
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

/** The timeline events up to now that the filter's event id and time window keep. */
function eventsOf(sim: Simulation, f: CorrelationFilter): ExternalEvent[] {
  return sim.timelineEvents(sim.historyStartMs, sim.now).filter((e) => {
    if (f.eventId !== undefined && e.id !== f.eventId) return false
    const [start, end] = eventWindow(e, sim.now)
    if (f.startTime !== undefined && end < f.startTime) return false
    if (f.endTime !== undefined && start > f.endTime) return false
    return true
  })
}

/** Computed afresh from the history (what CorrelationCache answers, without keeping anything). */
export function correlations(sim: Simulation, f: CorrelationFilter): CorrelationData[] {
  const model = sim.engine.model
  const streams = f.stream !== undefined ? [model.index.get(f.stream)!] : model.streams.map((s) => s.idx)
  return eventsOf(sim, f).flatMap((e) => correlate(sim, e, streams))
}

/**
 * The correlations of one world, kept between requests so a distinct query costs a filter, not
 * a recomputation (every event × every stream read 360-650 ms of history). A closed bucket's
 * point never changes within a world, so points are kept per (stream, interval, time); an
 * event's records depend only on which points its window reads, so they are kept until its
 * window reads others (an ongoing event: when its end crosses a bucket boundary). What is
 * missing is computed one event at a time, yielding to the event loop in between. A rebuilt or
 * modified world (version, lastModifiedMs) starts afresh.
 */
export class CorrelationCache {
  private world = ''
  private readonly points = new Map<string, Map<number, number>>()
  private readonly records = new Map<string, { key: string; end: number; list: CorrelationData[] }>()

  async list(sim: Simulation, f: CorrelationFilter, pause: () => Promise<void> = () => new Promise((r) => setImmediate(r))): Promise<CorrelationData[]> {
    const all = sim.engine.model.streams.map((s) => s.idx)
    const out: CorrelationData[] = []
    for (const e of eventsOf(sim, f)) {
      this.forWorld(sim)
      const frame = frameOf(sim, e)
      if (!frame) continue
      const key = `${frame.interval}|${frame.from}|${frame.to}`
      let hit = this.records.get(e.id)
      if (hit?.key !== key) {
        hit = { key, end: frame.end, list: correlate(sim, e, all, this.series(sim)) }
        this.records.set(e.id, hit)
        await pause()
      }
      // An ongoing event's end is now; the points it reads (and so its figures) are the same.
      const endTime = formatIso(frame.end)
      for (const r of hit.list) if (f.stream === undefined || r.stream === f.stream) out.push(hit.end === frame.end ? r : { ...r, endTime })
    }
    return out
  }

  private forWorld(sim: Simulation): void {
    const world = `${sim.version}|${sim.lastModifiedMs}`
    if (world === this.world) return
    this.world = world
    this.points.clear()
    this.records.clear()
  }

  /** Points from the cache; each run of missing ones read from the history in one pass (a window grows at both ends). */
  private series(sim: Simulation): Series {
    return (s, from, to, interval) => {
      const k = `${s}|${interval}`
      let known = this.points.get(k)
      if (!known) this.points.set(k, (known = new Map()))
      for (let t = from; t < to; t += interval) {
        if (known.has(t)) continue
        let end = t + interval
        while (end < to && !known.has(end)) end += interval
        for (const p of sim.history(s, t, end, interval)) known.set(Date.parse(p.timestamp), p.normalized)
        t = end - interval
      }
      const out: Array<{ t: number; normalized: number }> = []
      for (let t = from; t < to; t += interval) out.push({ t, normalized: known.get(t)! })
      return out
    }
  }
}
