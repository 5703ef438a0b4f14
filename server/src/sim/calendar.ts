/**
 * The calendar shape of a stream's rate: time of day × day of week × season × growth.
 * Seasons change over a week rather than at midnight (exam season does not start at 00:00 on
 * 1 May); growth compounds monthly from the simulation's reference time.
 */
import type { CalendarFile, StreamDef } from '@marketsim/shared-types'
import { DAY, HOUR } from './time.js'

export interface StreamShape {
  /** 24 local-hour factors with mean 1. */
  hourly: Float64Array
  weekendFactor: number
}

const SEASON_RAMP_DAYS = 3 // a season blends in over ±3 days around its boundary

function isoWeek(d: Date): number {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))
  const day = t.getUTCDay() || 7
  t.setUTCDate(t.getUTCDate() + 4 - day)
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1)
  return Math.ceil(((t.getTime() - yearStart) / DAY + 1) / 7)
}

export class Calendar {
  private readonly offsetMs: number
  private readonly weekendDays: Set<number>
  private readonly dayFactorCache = new Map<number, number>()
  private readonly rawSeasonCache = new Map<number, { factor: number; name: string }>()

  constructor(
    readonly config: CalendarFile,
    /** Growth is 1.0 at this instant (the simulation start). */
    readonly referenceMs: number,
  ) {
    this.offsetMs = config.utcOffsetHours * HOUR
    this.weekendDays = new Set(config.dayOfWeek.weekendDays)
  }

  /** The 24 hourly factors of a stream, stream-specific peak replacing the global one, mean 1. */
  shapeOf(stream: StreamDef): StreamShape {
    const hourly = new Float64Array(24)
    const tod = this.config.timeOfDay
    const peak = stream.peak ?? tod.peak
    for (let h = 0; h < 24; h++) {
      if (!stream.timeOfDay) hourly[h] = 1
      else if (tod.offHours.includes(h)) hourly[h] = tod.offFactor
      else if (h >= peak.from && h < peak.to) hourly[h] = peak.factor
      else hourly[h] = tod.shoulderFactor
    }
    const mean = hourly.reduce((a, b) => a + b, 0) / 24
    for (let h = 0; h < 24; h++) hourly[h]! /= mean
    return { hourly, weekendFactor: stream.dayOfWeek ? this.config.dayOfWeek.weekendFactor : 1 }
  }

  localHour(t: number): number {
    return new Date(t + this.offsetMs).getUTCHours()
  }

  isWeekend(t: number): boolean {
    return this.weekendDays.has(new Date(t + this.offsetMs).getUTCDay())
  }

  /** Local day index (days since epoch in marketplace time). */
  localDay(t: number): number {
    return Math.floor((t + this.offsetMs) / DAY)
  }

  private rawSeason(day: number): { factor: number; name: string } {
    let s = this.rawSeasonCache.get(day)
    if (!s) {
      const d = new Date(day * DAY)
      const month = d.getUTCMonth() + 1
      const week = isoWeek(d)
      const match = this.config.seasons.find((x) => x.months.includes(month) && (!x.isoWeeks || x.isoWeeks.includes(week)))
      s = match ? { factor: match.factor, name: match.name } : { factor: 1, name: 'none' }
      this.rawSeasonCache.set(day, s)
    }
    return s
  }

  /** The season in force on a day (for labels). */
  seasonName(t: number): string {
    return this.rawSeason(this.localDay(t)).name
  }

  /** Season × growth for the local day of t (season smoothed with a triangular kernel). */
  dayFactor(t: number): number {
    const day = this.localDay(t)
    let f = this.dayFactorCache.get(day)
    if (f === undefined) {
      let sum = 0
      let weights = 0
      for (let k = -SEASON_RAMP_DAYS; k <= SEASON_RAMP_DAYS; k++) {
        const w = SEASON_RAMP_DAYS + 1 - Math.abs(k)
        sum += w * this.rawSeason(day + k).factor
        weights += w
      }
      const midday = day * DAY + DAY / 2 - this.offsetMs
      const months = (midday - this.referenceMs) / (30 * DAY)
      f = (sum / weights) * Math.pow(1 + this.config.growth.monthlyRate, months)
      this.dayFactorCache.set(day, f)
    }
    return f
  }

  /** What every stream's factor at t shares: local hour, weekend, season × growth. */
  context(t: number): { hour: number; weekend: boolean; dayFactor: number } {
    const local = new Date(t + this.offsetMs)
    return { hour: local.getUTCHours(), weekend: this.weekendDays.has(local.getUTCDay()), dayFactor: this.dayFactor(t) }
  }

  /** Local midnight (as UTC epoch ms) of the local day `day`. */
  midnightOf(day: number): number {
    return day * DAY - this.offsetMs
  }

  /** The full calendar factor of a stream at t (multiply by the weekday hourly rate). */
  factor(shape: StreamShape, t: number): number {
    const local = new Date(t + this.offsetMs)
    const weekend = this.weekendDays.has(local.getUTCDay())
    return shape.hourly[local.getUTCHours()]! * (weekend ? shape.weekendFactor : 1) * this.dayFactor(t)
  }
}
