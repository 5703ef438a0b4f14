/**
 * The world's own happenings, without any scenario: 2-5 external events a day drawn from the
 * template library (calendar-appropriate academic ones preferred), about half of which really
 * move their streams (the rest are red herrings), and unexplained random anomalies on about 5%
 * of 12-hour points. All of it derives from the seed and the day alone, so history, live and
 * any re-run agree, and the engine's own draws are untouched.
 */
import type { EventTemplate, ExternalEvent } from '@marketsim/shared-types'
import { parseImpactDuration } from '@marketsim/shared-types'
import type { Model } from '../sim/model.js'
import { formatIso } from '../sim/payload.js'
import { Rng } from '../sim/rng.js'
import { BUCKET_MS, DAY, HOUR, MINUTE } from '../sim/time.js'

/** A factor on one stream over a window, with what caused it. */
export interface Impact {
  stream: number
  from: number
  to: number
  factor: number
  cause: { kind: 'background' | 'anomaly' | 'external'; id: string; name: string }
}

/**
 * A causal background event moves its streams for at most this long. The library's impact
 * durations run to months; with 2-5 events a day, dozens would stack on the same stream at
 * once. A half-day bump is a modest, visible effect that a detector can attribute, and about
 * one stream in twenty is under one at any time.
 */
export const BACKGROUND_EFFECT_MAX_MS = 12 * HOUR
const BLOCK_MS = 12 * HOUR
/** Background events move their streams by this share of the impact table's deviation. */
export const BACKGROUND_STRENGTH = 0.5
/** Share of the daily draws taken from the calendar-appropriate academic templates. */
const ACADEMIC_PREFERENCE = 1 / 6

export function impactFactor(model: Model, direction: string, magnitude: 'low' | 'medium' | 'high'): number {
  const table = model.world.externalEvents.impactFactors as Record<string, Record<string, number>>
  return table[direction]?.[magnitude] ?? 1
}

export interface BackgroundDay {
  events: ExternalEvent[]
  impacts: Impact[]
}

function templatesFor(templates: EventTemplate[], month: number): EventTemplate[] {
  // Calendar-bound templates only in their months; the rest any time.
  return templates.filter((t) => !t.months || t.months.includes(month))
}

export class Background {
  private readonly days = new Map<number, BackgroundDay>()
  private readonly anomalyTables = new Map<number, Float64Array>()

  constructor(
    private readonly model: Model,
    private readonly seed: number,
  ) {}

  /** The background events (and their impacts) of a local day. */
  day(day: number): BackgroundDay {
    let d = this.days.get(day)
    if (d) return d
    const cal = this.model.calendar
    const policy = this.model.world.externalEvents.background
    const rng = Rng.derive(this.seed, 'background-events', day)
    const midnight = cal.midnightOf(day)
    const weekend = cal.isWeekend(midnight + 12 * HOUR)
    const [lo, hi] = weekend ? policy.weekendPerDay : policy.weekdayPerDay
    const count = rng.between(lo, hi)
    const month = new Date(midnight + 12 * HOUR).getUTCMonth() + 1
    const pool = templatesFor(this.model.world.externalEvents.templates, month)
    const academic = pool.filter((t) => t.months)
    const events: ExternalEvent[] = []
    const impacts: Impact[] = []
    for (let i = 0; i < count; i++) {
      // Prefer what the calendar suggests: some draws from the in-season academic ones.
      const template = academic.length > 0 && rng.chance(ACADEMIC_PREFERENCE) ? rng.pick(academic) : rng.pick(pool)
      const at = midnight + rng.int(24 * 60) * MINUTE
      const ev: ExternalEvent = {
        id: `baseline_${template.key}_${day * 10 + i}_${at}`,
        timestamp: formatIso(at),
        type: template.type,
        title: template.title,
        description: template.description,
        severity: template.severity,
        expectedImpact: template.expectedImpact,
        icon: template.icon,
        injectedByAI: false,
      }
      if (template.externalLink) ev.externalLink = template.externalLink
      events.push(ev)
      if (!rng.chance(policy.causalShare)) continue // a red herring: on the timeline, no effect
      const lasts = Math.min(parseImpactDuration(template.expectedImpact.duration), BACKGROUND_EFFECT_MAX_MS)
      for (const name of template.expectedImpact.streams) {
        const stream = this.model.index.get(name)
        if (stream === undefined) continue
        const direction = template.streamDirections?.[name] ?? template.expectedImpact.direction
        // Modest: half the deviation the impact table gives a scenario's events.
        const factor = 1 + (impactFactor(this.model, direction, template.expectedImpact.magnitude) - 1) * BACKGROUND_STRENGTH
        // Windows on the 5-minute grid: effects are applied (and reported) per bucket.
        const from = Math.floor(at / BUCKET_MS) * BUCKET_MS
        if (factor !== 1) impacts.push({ stream, from, to: from + Math.ceil(lasts / BUCKET_MS) * BUCKET_MS, factor, cause: { kind: 'background', id: ev.id, name: ev.title } })
      }
    }
    events.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp))
    d = { events, impacts }
    this.days.set(day, d)
    return d
  }

  /** Background events with from ≤ timestamp ≤ to. */
  eventsBetween(from: number, to: number): ExternalEvent[] {
    const cal = this.model.calendar
    const out: ExternalEvent[] = []
    for (let day = cal.localDay(from); day <= cal.localDay(to); day++) {
      for (const e of this.day(day).events) {
        const t = Date.parse(e.timestamp)
        if (t >= from && t <= to) out.push(e)
      }
    }
    return out
  }

  /** Impacts in force at t (from the days whose events can still act). */
  impactsAt(t: number): Impact[] {
    const cal = this.model.calendar
    const today = cal.localDay(t)
    const out: Impact[] = []
    for (let day = today - Math.ceil(BACKGROUND_EFFECT_MAX_MS / DAY); day <= today; day++) {
      for (const i of this.day(day).impacts) if (i.from <= t && t < i.to) out.push(i)
    }
    return out
  }

  /** The product of the impacts on one stream in force at t. */
  impactFactorAt(stream: number, t: number): number {
    const cal = this.model.calendar
    const today = cal.localDay(t)
    let f = 1
    for (let day = today - Math.ceil(BACKGROUND_EFFECT_MAX_MS / DAY); day <= today; day++) {
      for (const i of this.day(day).impacts) if (i.stream === stream && i.from <= t && t < i.to) f *= i.factor
    }
    return f
  }

  /**
   * The random-anomaly factor of a stream for the 12-hour block holding t (1 almost always):
   * about 5% of blocks run 10-30% above or below what they would have.
   */
  anomalyAt(stream: number, t: number): number {
    const block = Math.floor(t / BLOCK_MS)
    const key = Math.floor(block / 64)
    let table = this.anomalyTables.get(key * 64 + stream * 1e9)
    if (!table) {
      const policy = this.model.world.externalEvents.background
      table = new Float64Array(64)
      const rng = Rng.derive(this.seed, 'anomalies', stream, key)
      for (let i = 0; i < 64; i++) {
        table[i] = 1
        if (rng.chance(policy.randomAnomalyShare)) {
          const size = rng.uniform(policy.randomAnomalyMaxDeviation / 3, policy.randomAnomalyMaxDeviation)
          table[i] = rng.chance(0.5) ? 1 + size : 1 - size
        }
      }
      this.anomalyTables.set(key * 64 + stream * 1e9, table)
    }
    return table[block - key * 64]!
  }

  /** Anomalous blocks of a stream between from and to, as impacts (for the ground truth). */
  anomaliesBetween(stream: number, from: number, to: number): Impact[] {
    const out: Impact[] = []
    for (let b = Math.floor(from / BLOCK_MS); b * BLOCK_MS < to; b++) {
      const factor = this.anomalyAt(stream, b * BLOCK_MS)
      if (factor !== 1) out.push({ stream, from: b * BLOCK_MS, to: (b + 1) * BLOCK_MS, factor, cause: { kind: 'anomaly', id: `anomaly_${stream}_${b}`, name: 'Random anomaly' } })
    }
    return out
  }
}
