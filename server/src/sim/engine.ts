/**
 * The discrete-event simulation: one seeded world advanced over simulated time. The same
 * run produces the history (before `liveFromMs`, counted into buckets) and the live stream
 * (from `liveFromMs` on, every event handed out in time order): no seam between them.
 *
 * Determinism: roots are drawn on a fixed time grid (60 s steps before the live start, 10 s
 * after it), every draw comes from one seeded generator in time order, and events at the same
 * millisecond keep insertion order, so seed + start + control actions fix every event no
 * matter how often or irregularly the clock ticks.
 */
import type { WorldConfig } from '../config/load.js'
import { matchesComparisons } from '../config/conditions.js'
import { BucketStore } from './buckets.js'
import { childEv, newEv, type Ev } from './event.js'
import { compileModel, type BranchRt, type ChainRt, type Model, type StreamRt } from './model.js'
import { PayoutBook, Population, buildHandlers, type Handler } from './processes.js'
import { uniformSumCdf } from './distributions.js'
import { Expectation } from './expectation.js'
import { Rng } from './rng.js'
import { BUCKET_MS, DAY, HOUR, MINUTE, SECOND, floorTo } from './time.js'
import { TimingWheel } from './wheel.js'

export interface EngineOptions {
  seed: number
  /** The live start: history ends here and the live stream begins. */
  startMs: number
  historyDays: number
}

/** Hooks a scenario layer installs; the baseline world has none. */
export interface Modifiers {
  /** Multiplier on a root stream's arrival rate at t. */
  rateFactor(stream: number, t: number): number
  /** Branch probabilities of a chain at t, or undefined for the configured ones. */
  branchProbabilities(chain: ChainRt, t: number): readonly number[] | undefined
}

const HISTORY_STEP = MINUTE
const LIVE_STEP = 10 * SECOND
const MAX_BURN_IN = 15 * DAY
const SCHEDULE_HORIZON = 8 * DAY // a requested session lies at most this far after its cause

export class Engine {
  readonly model: Model
  readonly rng: Rng
  readonly seed: number
  readonly historyStartMs: number
  readonly liveFromMs: number
  readonly buckets: BucketStore
  readonly population: Population
  readonly payouts = new PayoutBook()
  modifiers: Modifiers | undefined
  /** Called for each live event as it happens. */
  onLive: ((ev: Ev) => void) | undefined
  /**
   * Called once every event of the latest live instant has been counted (before any later one
   * is): the moment to read the buckets for the events of that instant.
   */
  onSettled: (() => void) | undefined
  private liveInstant = Number.NEGATIVE_INFINITY

  /** Everything with t < now has happened. */
  now: number
  /** Events processed so far (history and live). */
  processed = 0

  private readonly wheel: TimingWheel
  private readonly handlers: Map<number, Handler>
  private readonly roots: StreamRt[]
  readonly rootActiveFrom: Float64Array
  private readonly countOnly: Uint8Array
  private readonly eager: Uint8Array
  private readonly aggregate: Uint8Array
  private readonly scratch: Ev = newEv(0, 0, 0)
  private readonly noise: Float64Array
  private readonly noiseHour: Float64Array
  readonly levelStream: number
  /** Where the run (with its burn-in) begins. */
  readonly originMs: number
  readonly expectation: Expectation
  private nextStep: number
  private q = 0
  private out: Ev[] = []

  constructor(world: WorldConfig, options: EngineOptions) {
    this.seed = options.seed
    this.liveFromMs = options.startMs
    this.historyStartMs = floorTo(options.startMs - options.historyDays * DAY, BUCKET_MS)
    this.model = compileModel(world, options.startMs)
    this.rng = new Rng(options.seed, 'world')
    const targets = world.streams.volumeTargets
    this.population = new Population(targets.students, targets.tutors, this.rng)
    const subjects = this.model.streams[this.model.index.get('customer.tutor.search') ?? 0]!.def.payload.subject
    this.handlers = buildHandlers({
      model: this.model,
      rng: this.rng,
      pop: this.population,
      subjects: subjects?.type === 'enum' ? subjects.values.map(String) : ['Math'],
      payouts: this.payouts,
    })
    const n = this.model.streams.length
    this.levelStream = this.model.streams.findIndex((s) => s.def.measure === 'level')
    this.roots = this.model.streams.filter((s) => s.rootPerHour > 0 && s.idx !== this.levelStream)
    // In history nobody reads payloads: an event whose consequences are only counts is counted
    // (countOnly); one whose handling reads no time-sensitive world state is handled as soon
    // as its cause is (eager), so no event object waits days in the scheduler for it.
    this.countOnly = new Uint8Array(n)
    this.eager = new Uint8Array(n)
    for (const s of this.model.streams) {
      const h = this.handlers.get(s.idx)
      this.countOnly[s.idx] = s.chains.length === 0 && !h?.process && s.def.measure === 'count' ? 1 : 0
      this.eager[s.idx] = h?.timeSensitive || s.def.measure !== 'count' ? 0 : 1
    }
    this.aggregate = new Uint8Array(n)
    for (const s of this.model.streams) {
      const simple = s.chains.every((c) => !c.outcome && c.branches.every((b) => !b.condition))
      this.aggregate[s.idx] = this.eager[s.idx] && s.chains.length > 0 && simple && !this.handlers.get(s.idx)?.process ? 1 : 0
    }
    this.rootActiveFrom = new Float64Array(n)
    for (const s of this.roots) {
      const burnIn = s.chains.length === 0 ? 0 : Math.min(MAX_BURN_IN, this.pathDelay(s.idx, new Set()))
      this.rootActiveFrom[s.idx] = floorTo(this.historyStartMs - burnIn, HISTORY_STEP)
    }
    this.noise = new Float64Array(n).fill(1)
    this.noiseHour = new Float64Array(n).fill(Number.NaN)
    const first = Math.min(this.historyStartMs, ...this.roots.map((s) => this.rootActiveFrom[s.idx]!))
    this.originMs = first
    this.now = first
    this.nextStep = first
    this.wheel = new TimingWheel(first)
    this.buckets = new BucketStore(this.historyStartMs, n, Math.ceil((options.historyDays + 2) * (DAY / BUCKET_MS)))
    this.expectation = new Expectation(this.model, this)
  }

  /** The longest delay along chains from a stream: how long its consequences keep arriving. */
  private pathDelay(stream: number, seen: Set<number>): number {
    if (seen.has(stream)) return 0
    seen.add(stream)
    let longest = 0
    for (const chain of this.model.streams[stream]!.chains) {
      for (const b of chain.branches) {
        if (b.target < 0) continue
        const own = b.maxDelay + (b.anchor === 'scheduled_time' || b.anchor === 'before_scheduled_time' ? SCHEDULE_HORIZON : 0)
        longest = Math.max(longest, own + this.pathDelay(b.target, seen))
      }
    }
    seen.delete(stream)
    return longest
  }

  private stepLength(t: number): number {
    return t < this.liveFromMs ? Math.min(HISTORY_STEP, this.liveFromMs - t) : LIVE_STEP
  }

  /** Simulate the history: everything before the live start. */
  buildHistory(): void {
    this.advanceTo(this.liveFromMs)
  }

  /**
   * Process everything with t < until. Returns the live events (t ≥ liveFromMs) in time order;
   * history events only fill buckets.
   */
  advanceTo(until: number): Ev[] {
    this.out = []
    for (;;) {
      const step = this.nextStep
      const limit = Math.min(step, until)
      let ev: Ev | undefined
      while ((ev = this.wheel.pop(limit))) this.process(ev)
      if (step >= until) break
      this.generateStep(step)
      this.nextStep = step + this.stepLength(step)
    }
    if (until > this.now) this.now = until
    this.onSettled?.()
    return this.out
  }

  private schedule(ev: Ev): void {
    if (ev.t < this.liveFromMs) {
      if (this.countOnly[ev.s]) {
        this.buckets.add(ev.s, ev.t, 1)
        this.processed++
        return
      }
      if (this.eager[ev.s]) return this.process(ev)
    }
    this.wheel.push(ev)
  }

  private generateStep(t: number): void {
    const len = this.stepLength(t)
    const cal = this.model.calendar
    const ctx = cal.context(t)
    const hourKey = Math.floor(t / HOUR)
    const mods = this.modifiers
    const inHistory = t < this.liveFromMs
    for (const s of this.roots) {
      const i = s.idx
      if (t < this.rootActiveFrom[i]!) continue
      if (this.noiseHour[i] !== hourKey) {
        this.noise[i] = this.rng.noiseFactor(s.def.cv)
        this.noiseHour[i] = hourKey
      }
      let lambda =
        s.rootPerHour * (len / HOUR) * s.shape.hourly[ctx.hour]! * (ctx.weekend ? s.shape.weekendFactor : 1) * ctx.dayFactor * this.noise[i]!
      if (mods) lambda *= mods.rateFactor(i, t)
      const n = this.rng.poisson(lambda)
      if (n === 0) continue
      if (inHistory && this.countOnly[i]) {
        this.buckets.add(i, t, n)
        this.processed += n
        continue
      }
      const h = this.handlers.get(i)
      if (inHistory && this.aggregate[i]) {
        this.fireAggregate(s, t, len, n, h)
        continue
      }
      if (inHistory && this.eager[i]) {
        // Handled at once; children copy what they need, so one scratch event serves them all.
        const ev = this.scratch
        for (let k = 0; k < n; k++) {
          ev.t = t + Math.floor(this.rng.next() * len)
          ev.s = i
          ev.q = this.q++
          ev.id = ev.st = ev.tu = ev.sub = -1
          ev.x = ev.y = 0
          ev.v = undefined
          h?.root?.(ev)
          this.process(ev)
        }
        continue
      }
      for (let k = 0; k < n; k++) {
        const ev = newEv(t + Math.floor(this.rng.next() * len), i, this.q++)
        h?.root?.(ev)
        this.wheel.push(ev)
      }
    }
    if (this.levelStream >= 0 && t % (5 * MINUTE) === 0 && t >= this.historyStartMs) this.snapshot(t, ctx)
  }

  /** The platform snapshot every 5 minutes: a level that follows the calendar. */
  private snapshot(t: number, ctx: { hour: number; weekend: boolean; dayFactor: number }): void {
    const s = this.model.streams[this.levelStream]!
    const base = this.levelBase(s)
    const factor = s.shape.hourly[ctx.hour]! * (ctx.weekend ? s.shape.weekendFactor : 1) * ctx.dayFactor
    const ev = newEv(t, s.idx, this.q++)
    ev.y = Math.round(base * factor * this.rng.noiseFactor(s.def.cv))
    this.wheel.push(ev)
  }

  /** The weekday mean of a level stream: the middle of its level field's domain. */
  levelBase(s: StreamRt): number {
    const f = s.def.levelField ? s.def.payload[s.def.levelField] : undefined
    return f && (f.type === 'int' || f.type === 'number') ? (f.min + f.max) / 2 : 1
  }

  /**
   * n history arrivals of a root whose chains are all independent draws: count them, then
   * draw each branch's followers as Binomial(n, p) instead of walking every arrival. The same
   * distribution, at the cost of the followers rather than of the arrivals.
   */
  private fireAggregate(s: StreamRt, t: number, len: number, n: number, h: Handler | undefined): void {
    this.buckets.add(s.idx, t, n)
    this.processed += n
    const parent = this.scratch
    for (const chain of s.chains) {
      const probs = this.modifiers?.branchProbabilities(chain, t)
      for (let i = 0; i < chain.branches.length; i++) {
        const b = chain.branches[i]!
        const k = this.rng.binomial(n, probs ? probs[i]! : b.p)
        if (k === 0) continue
        if (this.countOnly[b.target] && b.countMin === 1 && b.countMax === 1 && !b.anchor && t + len + b.maxDelay < this.liveFromMs) {
          // Burn-in followers that land before the first bucket count for nothing.
          if (t + len + b.maxDelay >= this.historyStartMs) this.countSpread(b.target, k, t, len, b.minDelay, b.maxDelay)
          continue
        }
        if (this.countOnly[b.target] && b.countMin === 1 && b.countMax === 1 && !b.anchor) {
          // Followers nobody reads either: only their times matter.
          for (let j = 0; j < k; j++) {
            const ft = t + this.rng.next() * len + this.delay(b)
            if (ft < this.historyStartMs) continue
            if (ft < this.liveFromMs) {
              this.buckets.add(b.target, ft, 1)
              this.processed++
            } else {
              parent.t = t
              parent.q = this.q++
              h?.root?.(parent)
              const child = childEv(parent, Math.floor(ft), b.target, this.q++)
              this.handlers.get(b.target)?.child?.(child, parent, b)
              this.wheel.push(child)
            }
          }
          continue
        }
        for (let j = 0; j < k; j++) {
          parent.t = t + Math.floor(this.rng.next() * len)
          parent.s = s.idx
          parent.q = this.q++
          parent.id = parent.st = parent.tu = parent.sub = -1
          parent.x = parent.y = 0
          parent.v = undefined
          h?.root?.(parent)
          this.spawn(b, parent, h)
        }
      }
    }
  }

  /**
   * k history followers of causes spread over [t, t + len), each delayed U(lo, hi): split k
   * over the 5-minute buckets they land in with the exact distribution of the arrival time
   * (sequential binomials), instead of drawing each follower's time.
   */
  private countSpread(target: number, k: number, t: number, len: number, lo: number, hi: number): void {
    const bucketStart = floorTo(t + lo, BUCKET_MS)
    let left = k
    let below = 0 // P(arrival < current bucket end) already assigned
    for (let end = bucketStart + BUCKET_MS; left > 0; end += BUCKET_MS) {
      const cdf = uniformSumCdf(end - t, len, lo, hi)
      const p = cdf >= 1 ? 1 : (cdf - below) / (1 - below)
      const here = p >= 1 ? left : this.rng.binomial(left, p)
      if (here > 0 && end > this.historyStartMs) {
        this.buckets.add(target, end - BUCKET_MS, here)
        this.processed += here
      }
      left -= here
      below = cdf
    }
  }

  private process(ev: Ev): void {
    if (ev.t >= this.liveFromMs && ev.t > this.liveInstant) {
      // Time moves on: everything at the previous instant has been counted.
      this.onSettled?.()
      this.liveInstant = ev.t
    }
    this.processed++
    const h = this.handlers.get(ev.s)
    h?.process?.(ev)
    this.buckets.add(ev.s, ev.t, 1, ev.s === this.levelStream ? ev.y : 0)
    const s = this.model.streams[ev.s]!
    for (const chain of s.chains) this.fire(chain, ev, h)
    if (ev.t >= this.liveFromMs) {
      this.out.push(ev)
      this.onLive?.(ev)
    }
  }

  private fire(chain: ChainRt, ev: Ev, h: Handler | undefined): void {
    const probs = this.modifiers?.branchProbabilities(chain, ev.t)
    const branches = chain.branches
    if (chain.outcome) {
      let x = this.rng.next()
      let chosen = branches.length - 1
      for (let i = 0; i < branches.length; i++) {
        x -= probs ? probs[i]! : branches[i]!.p
        if (x < 0) {
          chosen = i
          break
        }
      }
      const b = branches[chosen]!
      if (chain.outcomeField) ev.v = b.value
      this.spawn(b, ev, h)
      return
    }
    for (let i = 0; i < branches.length; i++) {
      const b = branches[i]!
      if (b.condition && !matchesComparisons(b.condition, { [b.condition[0]!.field]: h?.field?.(ev, b.condition[0]!.field) })) continue
      if (this.rng.next() < (probs ? probs[i]! : b.p)) this.spawn(b, ev, h)
    }
  }

  private spawn(b: BranchRt, parent: Ev, h: Handler | undefined): void {
    if (b.target < 0) return
    const cal = this.model.calendar
    if (b.anchor === 'weekly_payout') {
      if (parent.x < 0) return // not the tutor's first completion of the week
      const child = childEv(parent, cal.midnightOf(parent.x) + this.delay(b), b.target, this.q++)
      child.x = parent.x
      this.schedule(child)
      return
    }
    const count = b.countMin === b.countMax ? b.countMin : this.rng.between(b.countMin, b.countMax)
    if (parent.t < this.liveFromMs && this.countOnly[b.target] && !b.anchor && !h?.delay) {
      // History-only fast path: nothing reads this event but its bucket.
      if (parent.t + b.maxDelay < this.historyStartMs) return // burn-in: before any bucket
      for (let k = 0; k < count; k++) {
        const t = parent.t + this.delay(b)
        if (t >= this.liveFromMs) {
          const child = childEv(parent, Math.floor(t), b.target, this.q++)
          this.handlers.get(b.target)?.child?.(child, parent, b)
          this.wheel.push(child)
        } else {
          this.buckets.add(b.target, t, 1)
          this.processed++
        }
      }
      return
    }
    const target = this.handlers.get(b.target)
    for (let k = 0; k < count; k++) {
      let t: number
      if (b.anchor === 'scheduled_time') t = parent.x + this.delay(b)
      else if (b.anchor === 'before_scheduled_time') t = Math.max(parent.t + MINUTE, parent.x - this.delay(b))
      else t = parent.t + (h?.delay ? h.delay(parent, b) : this.delay(b))
      if (t < parent.t) t = parent.t
      const child = childEv(parent, Math.floor(t), b.target, this.q++)
      target?.child?.(child, parent, b)
      this.schedule(child)
    }
  }

  private delay(b: BranchRt): number {
    return b.minDelay === b.maxDelay ? b.minDelay : b.minDelay + this.rng.next() * (b.maxDelay - b.minDelay)
  }
}
