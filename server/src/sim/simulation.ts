/**
 * The simulation as the server sees it: one engine with everything that bends it (scenario
 * runs, background events, anomalies, cascades), its live stream (materialized, normalized,
 * numbered), the recent past, the history and its baseline statistics. No timers, no wall
 * clock: the caller advances it to a simulated time.
 *
 * A simulation can be rebuilt from scratch with another set of scenario runs (a backdated
 * scenario, a reset): the new one re-runs the whole past as history, then takes over the live
 * stream where the old one left it (same numbering, same recent buffer and listeners).
 */
import type { ExternalEvent, HistoryPoint, PulseStream, StreamBaseline, StreamEvent } from '@marketsim/shared-types'
import type { WorldConfig } from '../config/load.js'
import { parseRelativeOffset } from '@marketsim/shared-types'
import { Background } from '../scenarios/background.js'
import { Cascades } from '../scenarios/cascades.js'
import { Effects } from '../scenarios/effects.js'
import type { ScenarioRun } from '../scenarios/lifecycle.js'
import { Engine } from './engine.js'
import type { Ev } from './event.js'
import { Materializer } from './materialize.js'
import { Normalizer } from './normalize.js'
import { RecentEvents } from './recent.js'
import { Spread } from './spread.js'
import { DEFAULT_WEATHER } from './weather.js'
import { formatIso } from './payload.js'
import { baselineStats } from './stats.js'
import { DAY, HOUR } from './time.js'
import { MAX_WINDOW_MS } from './windows.js'

export interface SimulationOptions {
  seed: number
  /** The live start (history ends here). */
  startMs: number
  historyDays: number
  /** Background events and random anomalies (default on); off gives the pure baseline. */
  background?: boolean
}

/** What a rebuilt simulation takes over from the one it replaces. */
export interface Continuation {
  /** Emit only from here: everything before is (re-)simulated as history. */
  emitFrom: number
  seq: number
  /** A restarted world starts with none. */
  recent?: RecentEvents
  listeners?: Set<LiveListener>
  baseline: Map<string, StreamBaseline>
  lastModifiedMs: number
}

export type LiveListener = (events: StreamEvent[]) => void

const STATS_INTERVAL = 12 * HOUR
let versions = 0

export class Simulation {
  readonly engine: Engine
  readonly recent: RecentEvents
  readonly baseline: Map<string, StreamBaseline>
  readonly effects: Effects
  readonly background: Background | undefined
  private readonly materializer: Materializer
  private readonly normalizer: Normalizer
  private readonly listeners: Set<LiveListener>
  private seq: number
  lastModifiedMs: number
  /** Distinguishes rebuilt worlds (caches key on it). */
  readonly version = ++versions
  /** Wall-clock milliseconds the history took to build (simulation work only). */
  buildMs = 0
  private readonly buildUntil: number
  /** A rebuilt world keeps the first world's baseline statistics. */
  private readonly calibrated: boolean

  constructor(
    readonly world: WorldConfig,
    readonly options: SimulationOptions,
    runs: ScenarioRun[] = [],
    from?: Continuation,
  ) {
    this.engine = new Engine(world, options)
    const model = this.engine.model
    this.background = options.background === false ? undefined : new Background(model, options.seed)
    const spread = new Spread(model, world.streams.weather ?? DEFAULT_WEATHER)
    const cascades = new Cascades(model, this.engine.originMs, this.engine.expectation, spread)
    world.relationships.cascades.forEach((c, i) => cascades.add(`cascade_${i}`, c, undefined, c.description ?? `${c.trigger} → ${c.target}`))
    this.effects = new Effects(model, this.background, cascades, (s, t) => this.engine.expectation.expectedCount(s, t, t + HOUR), this.engine.originMs)
    this.engine.modifiers = this.effects
    for (const run of runs) this.addRun(run)
    if (from) this.engine.emitFrom = from.emitFrom
    this.engine.buckets.arrivals.from = this.engine.emitFrom - MAX_WINDOW_MS
    this.engine.buckets.hitArrivals.from = this.engine.emitFrom - MAX_WINDOW_MS
    this.calibrated = from !== undefined
    this.buildUntil = Math.max(options.startMs, from?.emitFrom ?? options.startMs)
    this.seq = from?.seq ?? 0
    // A new buffer holds what this world emits: from the live start, or where a restart resumes.
    this.recent = from?.recent ?? new RecentEvents(model.streams.length, { at: this.buildUntil, seq: this.seq })
    this.listeners = from?.listeners ?? new Set()
    this.baseline = from?.baseline ?? new Map()
    this.lastModifiedMs = from?.lastModifiedMs ?? options.startMs

    const subjects = world.streams.streams.find((s) => s.name === 'customer.tutor.search')?.payload.subject
    this.materializer = new Materializer(model, options.seed, subjects?.type === 'enum' ? subjects.values.map(String) : ['Math'], this.engine.population)
    this.materializer.shifts = (s, t) => this.effects.payloadShift(s, t)
    this.normalizer = new Normalizer(model, this.engine.buckets, this.engine.expectation, spread)
    this.engine.onLive = (ev) => {
      ++this.seq
      if (ev.t < this.showFrom) return this.recent.skipped(this.seq, ev.t)
      this.held.push(ev)
      this.pending.push(this.materializer.toStreamEvent(ev, this.seq))
    }
    // Normalize an instant's events together once all of them are counted: thirty no-shows
    // at 08:15:00.000 are one observation, not thirty growing ones.
    this.engine.onSettled = () => {
      const n = this.held.length
      for (let i = 0; i < n; i++) {
        const ev = this.held[i]!
        const se = this.pending[this.pending.length - n + i]!
        const v = this.normalizer.live(ev.s, ev.t)
        se.normalizedValue = v.normalizedValue
        se.anomalyFlag = v.anomalyFlag
        this.recent.push(ev.s, se, ev.t)
      }
      this.held.length = 0
    }
  }

  /**
   * Emitted events before this time are numbered but neither built nor published: an export
   * of a later window keeps the live numbering (payloads are drawn by seq) without paying for
   * payloads it would throw away. The server leaves it at -∞.
   */
  showFrom = Number.NEGATIVE_INFINITY

  private pending: StreamEvent[] = []
  private readonly held: Ev[] = []

  /** Apply a scenario run (modifiers, its events' impacts, its cascades) from its start on. */
  addRun(run: ScenarioRun): void {
    this.effects.add(Effects.compile(this.engine.model, run, parseRelativeOffset))
    ;(run.def.cascadeEffects ?? []).forEach((c, i) => {
      for (const [target, e] of Object.entries(c.effect)) {
        this.effects.cascades.add(`${run.id}_cascade_${i}_${target}`, { trigger: c.trigger, target, multiplier: e.multiplier, delay: e.delay, condition: e.condition }, run, e.description ?? `${c.trigger} → ${target}`)
      }
    })
  }

  /** What a rebuild with other runs needs to take over from this simulation at simulated time `now`. */
  continuation(): Continuation {
    return {
      emitFrom: this.engine.now,
      seq: this.seq,
      recent: this.recent,
      listeners: this.listeners,
      baseline: this.baseline,
      lastModifiedMs: this.lastModifiedMs,
    }
  }

  get streamNames(): string[] {
    return this.engine.model.streams.map((s) => s.name)
  }

  /**
   * Events each stream has produced since the history start, history and live (what the
   * history endpoint sums up), in stream order. Reads the buckets: O(buckets), for scrapes.
   */
  eventCounts(): number[] {
    return this.engine.buckets.series.map((b) => {
      let n = 0
      for (let i = 0; i < b.length; i++) n += b.counts[i]!
      return n
    })
  }

  get historyStartMs(): number {
    return this.engine.historyStartMs
  }

  /** The number of the last event emitted (0 before the first). */
  get lastSeq(): number {
    return this.seq
  }

  /** Simulated time up to which everything has happened. */
  get now(): number {
    return this.engine.now
  }

  /** Every stream as it stands now (the `pulse` topic): observed against expected over its window. */
  pulse(): Record<string, PulseStream> {
    const out: Record<string, PulseStream> = {}
    for (const st of this.engine.model.streams) out[st.name] = this.normalizer.pulse(st.idx, this.now)
    return out
  }

  /** The cv of a stream's persistent weather deviation (how small an effect it can hide). */
  weatherCv(stream: number): number {
    return this.normalizer.spread.weatherCv(stream)
  }

  /** Seconds of each count stream's live trailing window as it stands now, by name. */
  liveWindows(): Map<string, number> {
    const out = new Map<string, number>()
    for (const st of this.engine.model.streams) if (st.def.measure === 'count') out.set(st.name, this.normalizer.windowOf(st.idx, this.now) / 1000)
    return out
  }

  /** Build the history and its baseline statistics. */
  build(): void {
    for (const _ of this.buildSteps());
  }

  /**
   * The build in slices of about a simulated day, so a caller can yield to its event loop
   * between them (the server answers health checks with 503 meanwhile).
   */
  *buildSteps(): Generator<void> {
    let elapsed = 0
    for (let t = this.engine.now; t < this.buildUntil; ) {
      t = Math.min(this.buildUntil, t + DAY)
      const s = performance.now()
      this.engine.advanceTo(t)
      elapsed += performance.now() - s
      yield
    }
    const s = performance.now()
    this.engine.expectation.ensure(this.buildUntil + DAY)
    if (!this.calibrated) this.computeBaseline()
    elapsed += performance.now() - s
    this.buildMs = elapsed
  }

  private computeBaseline(): void {
    const cal = this.engine.model.calendar
    const from = Math.ceil(this.engine.historyStartMs / STATS_INTERVAL) * STATS_INTERVAL
    const to = Math.floor(this.options.startMs / STATS_INTERVAL) * STATS_INTERVAL
    const season = cal.seasonName(this.options.startMs)
    for (const s of this.engine.model.streams) {
      const points = this.normalizer.points(s.idx, from, to, STATS_INTERVAL, to, () => '')
      const times = points.map((_, i) => from + i * STATS_INTERVAL)
      this.baseline.set(
        s.name,
        baselineStats({
          name: s.name,
          values: points.map((p) => p.value),
          days: times.map((t) => cal.localDay(t)),
          weekend: times.map((t) => cal.isWeekend(t)),
          measure: s.def.measure,
          seasonality: season,
        }),
      )
    }
  }

  onLive(listener: LiveListener): () => void {
    this.listeners.add(listener)
    // The set passes to every rebuilt world: closing over it, not over `this`, lets a replaced world go.
    const listeners = this.listeners
    return () => listeners.delete(listener)
  }

  /** Advance the world to simulated time t; returns (and publishes) the live events, in order. */
  advanceTo(t: number): StreamEvent[] {
    if (t <= this.engine.now) return []
    this.engine.advanceTo(t)
    const out = this.pending
    this.pending = []
    this.recent.trim(t)
    this.engine.buckets.arrivals.trim(t)
    this.engine.buckets.hitArrivals.trim(t)
    if (out.length > 0) for (const l of this.listeners) l(out)
    return out
  }

  /**
   * History points of one stream; `from`/`to` aligned to `interval`, points up to now. The
   * bucket still filling says so (`partial`); points() already compares it with what was
   * expected up to now, not over the whole bucket.
   */
  history(stream: number, from: number, to: number, interval: number): HistoryPoint[] {
    const now = this.engine.now
    const points = this.normalizer.points(stream, from, to, interval, now, formatIso)
    points.forEach((p, i) => {
      if (from + (i + 1) * interval > now) p.partial = true
    })
    return points
  }

  /** Timeline events (background and scenario-injected) with from ≤ timestamp ≤ to, up to now. */
  timelineEvents(from: number, to: number): ExternalEvent[] {
    const until = Math.min(to, this.engine.now)
    const scenario = this.effects.runs.flatMap((c) => c.events).filter((e) => {
      const t = Date.parse(e.timestamp)
      return t >= from && t <= until
    })
    const background = this.background?.eventsBetween(from, until) ?? []
    return [...background, ...scenario].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp))
  }
}
