/**
 * The simulation as the server sees it: one engine, its clockless live stream (materialized,
 * normalized, numbered), the recent past, the history and its baseline statistics. No timers,
 * no wall clock: the caller advances it to a simulated time.
 */
import type { HistoryPoint, SimulationState, StreamBaseline, StreamEvent } from '@marketsim/shared-types'
import type { WorldConfig } from '../config/load.js'
import { Engine } from './engine.js'
import type { Ev } from './event.js'
import { Materializer } from './materialize.js'
import { Normalizer } from './normalize.js'
import { RecentEvents } from './recent.js'
import { formatIso } from './payload.js'
import { baselineStats } from './stats.js'
import { DAY, HOUR } from './time.js'

export interface SimulationOptions {
  seed: number
  /** The live start (history ends here). */
  startMs: number
  historyDays: number
}

export type LiveListener = (events: StreamEvent[]) => void

const STATS_INTERVAL = 12 * HOUR

export class Simulation {
  readonly engine: Engine
  readonly recent: RecentEvents
  readonly baseline = new Map<string, StreamBaseline>()
  private readonly materializer: Materializer
  private readonly normalizer: Normalizer
  private readonly listeners = new Set<LiveListener>()
  private seq = 0
  private lastModifiedMs: number
  /** Wall-clock milliseconds the history took to build. */
  buildMs = 0

  constructor(
    readonly world: WorldConfig,
    readonly options: SimulationOptions,
  ) {
    this.engine = new Engine(world, options)
    const subjects = world.streams.streams.find((s) => s.name === 'customer.tutor.search')?.payload.subject
    this.materializer = new Materializer(
      this.engine.model,
      options.seed,
      subjects?.type === 'enum' ? subjects.values.map(String) : ['Math'],
      this.engine.population,
    )
    this.normalizer = new Normalizer(this.engine.model, this.engine.buckets, this.engine.expectation)
    this.recent = new RecentEvents(this.engine.model.streams.length)
    this.lastModifiedMs = options.startMs
    this.engine.onLive = (ev) => {
      this.held.push(ev)
      this.pending.push(this.materializer.toStreamEvent(ev, ++this.seq))
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

  private pending: StreamEvent[] = []
  private readonly held: Ev[] = []

  get streamNames(): string[] {
    return this.engine.model.streams.map((s) => s.name)
  }

  get historyStartMs(): number {
    return this.engine.historyStartMs
  }

  /** Simulated time up to which everything has happened. */
  get now(): number {
    return this.engine.now
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
    const t0 = performance.now()
    let elapsed = 0
    for (let t = this.engine.now; t < this.options.startMs; ) {
      t = Math.min(this.options.startMs, t + DAY)
      const s = performance.now()
      this.engine.advanceTo(t)
      elapsed += performance.now() - s
      yield
    }
    const s = performance.now()
    this.engine.expectation.ensure(this.options.startMs + DAY)
    this.computeBaseline()
    elapsed += performance.now() - s
    this.buildMs = elapsed
    this.buildWallMs = performance.now() - t0
  }

  /** Wall-clock milliseconds from the build's start to its end, pauses included. */
  buildWallMs = 0

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
    return () => this.listeners.delete(listener)
  }

  /** Advance the world to simulated time t; returns (and publishes) the live events, in order. */
  advanceTo(t: number): StreamEvent[] {
    if (t <= this.engine.now) return []
    this.engine.advanceTo(t)
    const out = this.pending
    this.pending = []
    this.recent.trim(t)
    if (out.length > 0) for (const l of this.listeners) l(out)
    return out
  }

  /** History points of one stream; `from`/`to` aligned to `interval`, points up to now. */
  history(stream: number, from: number, to: number, interval: number): HistoryPoint[] {
    return this.normalizer.points(stream, from, to, interval, this.engine.now, formatIso)
  }

  state(): SimulationState {
    return {
      baselineState: 'normal',
      activeModifiers: [],
      activeEvents: [],
      historicalMode: 'baseline',
      currentSimulationTime: formatIso(this.engine.now),
      lastModified: formatIso(this.lastModifiedMs),
    }
  }

  /** Record that a control action changed the world at simulated time t. */
  touch(t: number): void {
    this.lastModifiedMs = t
  }
}
