/**
 * The discrete-event simulation: one seeded world advanced over simulated time.
 *
 * One trajectory, two outputs. Every draw that shapes the world comes from one seeded
 * generator in a fixed order that does not depend on whether an event will be shown: before
 * `emitFrom` events are only counted into buckets (history), from `emitFrom` on they are also
 * handed out one by one in time order (live). So history and live are the same run with no
 * seam, the history of the live period equals what was emitted, and a re-run of any past
 * period (a backdated scenario, a restart) is as cheap as history and lands on the same world.
 *
 * Determinism: roots arrive on a fixed one-minute grid; events whose handling reads no
 * time-sensitive state are decided as soon as their cause is (and shown at their own time);
 * the rest wait in a timing wheel; ties keep insertion order. Seed + start + control actions
 * therefore fix every event, however often or irregularly the clock ticks.
 */
import type { WorldConfig } from '../config/load.js'
import { BucketStore } from './buckets.js'
import { uniformSumCdf } from './distributions.js'
import { childEv, newEv, type Ev } from './event.js'
import { Expectation } from './expectation.js'
import { compileModel, type BranchRt, type ChainRt, type Model, type StreamRt } from './model.js'
import { PayoutBook, Population, buildHandlers, type Handler } from './processes.js'
import { KeyedDraws, Rng, hash32, keyedUnit } from './rng.js'
import { BUCKET_MS, DAY, HOUR, MINUTE, floorTo } from './time.js'
import { TimingWheel } from './wheel.js'
import { DEFAULT_WEATHER, Weather } from './weather.js'
import { MAX_WINDOW_MS } from './windows.js'

export interface EngineOptions {
  seed: number
  /** The live start: history ends here and the live stream begins. */
  startMs: number
  historyDays: number
}

/** How a chain's branches are drawn when something bends them. */
export interface BranchPlan {
  /** Branch probabilities (outcome chains: they add up to one). */
  p: readonly number[]
  /** Per branch: the chance that its event follows once the branch is chosen (default 1). */
  follow?: readonly number[]
}

/** A scenario's bend of a payload field that the world itself reads (rating, resolution time). */
export type FieldShift = { weights: Record<string, number>; strength: number } | { scale: number; strength: number }

/**
 * Hooks a scenario layer installs; the baseline world has none. `knownAt` is the moment the
 * decision is taken: only what was known by then (scenarios activated, stops pressed) counts.
 */
export interface Modifiers {
  /** Multiplier on a root stream's arrival rate at t (decided at t). */
  rateFactor(stream: number, t: number): number
  /** How a chain's branches are drawn for an event at t, or undefined for the configured way. */
  branchPlan(chain: ChainRt, t: number, knownAt: number): BranchPlan | undefined
  fieldShift?(stream: number, field: string, t: number, knownAt: number): FieldShift | undefined
  /** Sees every decided event (cascade ledgers count their triggers here). */
  record?(ev: Ev, field: ((ev: Ev, name: string) => unknown) | undefined): void
}

/** Roots are drawn per step of this grid, history and live alike. */
export const STEP_MS = MINUTE
const MAX_BURN_IN = 8.5 * DAY
const SCHEDULE_HORIZON = 8 * DAY // a requested session lies at most this far after its cause
/** Followers of streams at least this busy are placed per bucket rather than one by one. */
const SPREAD_MIN_PER_DAY = 10_000

export class Engine {
  readonly model: Model
  /** Draws keyed by stream (and deferred chain) and UTC hour: common random numbers across worlds. */
  readonly draws: KeyedDraws
  private readonly arrivalsKey: number
  readonly seed: number
  readonly historyStartMs: number
  readonly liveFromMs: number
  readonly buckets: BucketStore
  readonly population: Population
  readonly payouts = new PayoutBook()
  readonly expectation: Expectation
  readonly rootActiveFrom: Float64Array
  readonly levelStream: number
  /** Where the run (with its burn-in) begins. */
  readonly originMs: number
  modifiers: Modifiers | undefined
  /** Events at or after this time are emitted one by one; before it they are only counted. */
  emitFrom: number

  /** Called for each emitted event, in time order. */
  onLive: ((ev: Ev) => void) | undefined
  /**
   * Called once every event of the latest emitted instant has been counted (before any later
   * one is): the moment to read the buckets for the events of that instant.
   */
  onSettled: (() => void) | undefined

  /** Everything with t < now has happened. */
  now: number
  /** The moment decisions are being taken (the event or step being handled at top level). */
  clock: number
  /** Events counted so far (history and live). */
  processed = 0

  private readonly wheel: TimingWheel
  private readonly emitQueue: TimingWheel
  /** Handler per stream index (an array: looked up for every event). */
  private readonly handlers: Array<Handler | undefined>
  private readonly roots: StreamRt[]
  private readonly countOnly: Uint8Array
  private readonly eager: Uint8Array
  private readonly aggregate: Uint8Array
  private readonly weather: Weather
  /** Per stream: the outcome value its share measure counts (model.shares), if any. */
  private readonly shareValue: Array<string | undefined>
  private readonly scratch: Ev[] = []
  /** Event objects nothing references any more, for reuse. */
  private readonly pool: Ev[] = []
  /** The object the wheel fills with each event it hands out (held by nothing once handled). */
  private readonly popped = newEv(0, 0, 0)
  private nextStep: number
  private q = 0
  private emittedInstant = Number.NEGATIVE_INFINITY

  constructor(world: WorldConfig, options: EngineOptions) {
    this.seed = options.seed
    this.liveFromMs = options.startMs
    this.emitFrom = options.startMs
    this.historyStartMs = floorTo(options.startMs - options.historyDays * DAY, BUCKET_MS)
    this.model = compileModel(world, options.startMs)
    // Keys: one per stream, one per deferred decision, one per stream for how many roots arrive.
    this.arrivalsKey = this.model.streams.length + this.model.chains.length
    this.draws = new KeyedDraws(options.seed, this.arrivalsKey + this.model.streams.length, HOUR)
    const targets = world.streams.volumeTargets
    this.population = new Population(targets.students, targets.tutors, new Rng(options.seed, 'population'))
    const subjects = this.model.streams[this.model.index.get('customer.tutor.search') ?? 0]!.def.payload.subject
    const byStream = buildHandlers({
      model: this.model,
      draws: this.draws,
      pop: this.population,
      subjects: subjects?.type === 'enum' ? subjects.values.map(String) : ['Math'],
      payouts: this.payouts,
      fieldShift: (stream, field, t) => this.modifiers?.fieldShift?.(stream, field, t, this.clock),
    })
    this.handlers = this.model.streams.map((s) => byStream.get(s.idx))
    const n = this.model.streams.length
    this.levelStream = this.model.streams.findIndex((s) => s.def.measure === 'level')
    this.roots = this.model.streams.filter((s) => s.rootPerHour > 0 && s.idx !== this.levelStream)
    // Nobody reads an event's payload in history and most consequences are decided at once:
    // an event with no chains and no handling is only counted (countOnly); one whose handling
    // reads no time-sensitive world state is handled as soon as its cause is (eager); a root
    // of independent chains draws its followers in aggregate (Binomial per branch).
    this.countOnly = new Uint8Array(n)
    this.eager = new Uint8Array(n)
    this.aggregate = new Uint8Array(n)
    for (const s of this.model.streams) {
      const h = this.handlers[s.idx]
      this.countOnly[s.idx] = s.chains.length === 0 && !h?.process && s.def.measure === 'count' ? 1 : 0
      this.eager[s.idx] = h?.timeSensitive || s.def.measure !== 'count' ? 0 : 1
      const simple = s.chains.every((c) => !c.outcome && c.branches.every((b) => !b.condition))
      this.aggregate[s.idx] = this.eager[s.idx] && s.chains.length > 0 && simple && !h?.process ? 1 : 0
    }
    this.rootActiveFrom = new Float64Array(n)
    for (const s of this.roots) {
      const burnIn = s.chains.length === 0 ? 0 : Math.min(MAX_BURN_IN, this.pathDelay(s.idx, new Set()))
      this.rootActiveFrom[s.idx] = floorTo(this.historyStartMs - burnIn, STEP_MS)
    }
    this.weather = new Weather(options.seed, this.model.streams, world.streams.weather ?? DEFAULT_WEATHER)
    // On a UTC hour: the expectation's hours are then the weather's hours, whatever the start.
    const first = floorTo(Math.min(this.historyStartMs, ...this.roots.map((s) => this.rootActiveFrom[s.idx]!)), HOUR)
    this.originMs = first
    this.now = first
    this.clock = first
    this.nextStep = first
    this.wheel = new TimingWheel(first)
    this.emitQueue = new TimingWheel(first)
    this.buckets = new BucketStore(this.historyStartMs, n, Math.ceil((options.historyDays + 2) * (DAY / BUCKET_MS)), options.startMs - MAX_WINDOW_MS, MAX_WINDOW_MS)
    this.expectation = new Expectation(this.model, this)
    this.shareValue = this.model.streams.map(() => undefined)
    for (const m of this.model.shares) {
      this.shareValue[m.stream] = m.value
      this.buckets.measureShare(m.stream)
    }
  }

  /** The longest delay along chains from a stream: how long its consequences keep arriving. */
  private pathDelay(stream: number, seen: Set<number>): number {
    if (seen.has(stream)) return 0
    seen.add(stream)
    let longest = 0
    for (const chain of this.model.streams[stream]!.chains) {
      for (const b of this.branchesOf(chain)) {
        if (b.target < 0) continue
        const own = b.maxDelay + (b.anchor === 'scheduled_time' || b.anchor === 'before_scheduled_time' || b.viaThen ? SCHEDULE_HORIZON : 0)
        longest = Math.max(longest, own + this.pathDelay(b.target, seen))
      }
    }
    seen.delete(stream)
    return longest
  }

  /** A chain's branches with deferred ones expanded (for path lengths). */
  private branchesOf(chain: ChainRt): Array<BranchRt & { viaThen?: boolean }> {
    return chain.branches.flatMap((b) => (b.then ? b.then.branches.map((d) => ({ ...d, maxDelay: d.maxDelay + b.maxDelay, viaThen: true })) : [b]))
  }

  /** Simulate the history: everything before the live start. */
  buildHistory(): void {
    this.advanceTo(this.liveFromMs)
  }

  /**
   * Run the world to `until` (everything with t < until happens), then emit the events from
   * `emitFrom` on in time order. Returns the emitted events.
   */
  advanceTo(until: number): Ev[] {
    for (;;) {
      const step = this.nextStep
      const limit = Math.min(step, until)
      const ev = this.popped
      while (this.wheel.pop(limit, ev)) {
        this.clock = ev.t
        this.process(ev)
      }
      if (step >= until) break
      this.clock = step
      this.generateStep(step)
      this.nextStep = step + STEP_MS
    }
    if (until > this.now) this.now = until
    const out: Ev[] = []
    for (;;) {
      // A new object per emitted event: the caller keeps them.
      const ev = newEv(0, 0, 0)
      if (!this.emitQueue.pop(until, ev)) break
      if (ev.t > this.emittedInstant) {
        this.onSettled?.()
        this.emittedInstant = ev.t
      }
      this.buckets.add(ev.s, ev.t, 1, ev.s === this.levelStream ? ev.y : 0)
      if (ev.v !== undefined && ev.v === this.shareValue[ev.s]) this.buckets.addHit(ev.s, ev.t)
      this.processed++
      out.push(ev)
      this.onLive?.(ev)
    }
    this.onSettled?.()
    return out
  }

  /** An event happens at ev.t: counted (history) or queued for emission (live). */
  private happen(ev: Ev): void {
    if (ev.t < this.emitFrom) {
      this.buckets.add(ev.s, ev.t, 1, ev.s === this.levelStream ? ev.y : 0)
      if (ev.v !== undefined && ev.v === this.shareValue[ev.s]) this.buckets.addHit(ev.s, ev.t)
      this.processed++
    } else this.emitQueue.push(ev)
  }

  /**
   * n events of a stream that nothing reads but their count, spread over [t, t+len) (within
   * one bucket). Their times come from a side generator keyed by what they are, so the world's
   * draws are the same whether they are shown or not.
   */
  private happenMany(s: number, t: number, len: number, n: number, causeT = Number.NaN, end = 0): void {
    if (t + len <= this.emitFrom) {
      this.processed += n
      // History only counts them, except just before the live start, where live windows
      // look back: there they get the very times they would have if shown.
      if (t + len <= this.buckets.arrivals.from) return this.buckets.add(s, t, n)
      const rng = this.sideRng(s, t, causeT, end)
      for (let k = 0; k < n; k++) this.buckets.add(s, t + Math.floor(rng.next() * len), 1)
      return
    }
    const rng = this.sideRng(s, t, causeT, end)
    for (let k = 0; k < n; k++) this.happen(newEv(t + Math.floor(rng.next() * len), s, this.q++))
  }

  /** The side generator of such events: keyed by their step, or (spread followers) their cause's step and bucket. */
  private sideRng(s: number, t: number, causeT: number, end: number): Rng {
    return Number.isNaN(causeT) ? Rng.derive(this.seed, 'arrivals', s, t) : Rng.derive(this.seed, 'spread', s, causeT, end)
  }

  private schedule(ev: Ev): void {
    if (this.countOnly[ev.s]) return this.happen(ev)
    if (this.eager[ev.s]) {
      this.process(ev)
      // A history event handled at once is referenced by nothing afterwards: recycle it.
      if (ev.t < this.emitFrom) this.pool.push(ev)
      return
    }
    this.wheel.push(ev) // a copy: the object is free again
    this.pool.push(ev)
  }

  /** A follower of `parent` (a recycled object where one is free). */
  private child(parent: Ev, t: number, s: number): Ev {
    const ev = this.pool.pop()
    if (!ev) return childEv(parent, t, s, this.q++)
    ev.t = t
    ev.s = s
    ev.q = this.q++
    ev.id = parent.id
    ev.st = parent.st
    ev.tu = parent.tu
    ev.sub = parent.sub
    ev.x = parent.x
    ev.y = 0
    ev.v = undefined
    return ev
  }

  private generateStep(t: number): void {
    const cal = this.model.calendar
    const ctx = cal.context(t)
    const mods = this.modifiers
    for (const s of this.roots) {
      const i = s.idx
      if (t < this.rootActiveFrom[i]!) continue
      let lambda =
        s.rootPerHour * (STEP_MS / HOUR) * s.shape.hourly[ctx.hour]! * (ctx.weekend ? s.shape.weekendFactor : 1) * ctx.dayFactor * this.weather.at(i, t)
      if (mods) lambda *= mods.rateFactor(i, t)
      // How many arrive: on the stream's arrivals generator, which draws nothing else.
      this.draws.select(this.arrivalsKey + i, t)
      const n = this.draws.current.poisson(lambda)
      this.draws.select(i, t)
      if (n === 0) continue
      if (this.countOnly[i]) {
        if (t >= this.historyStartMs) this.happenMany(i, t, STEP_MS, n)
        continue
      }
      const h = this.handlers[i]
      if (this.aggregate[i]) {
        this.fireAggregate(s, t, n, h)
        continue
      }
      for (let k = 0; k < n; k++) {
        const ev = newEv(t + Math.floor(keyedUnit(this.seed, i, t, k) * STEP_MS), i, this.q++)
        h?.root?.(ev)
        this.schedule(ev)
      }
    }
    if (this.levelStream >= 0 && t % (5 * MINUTE) === 0 && t >= this.historyStartMs) this.snapshot(t, ctx)
  }

  /** The platform snapshot every 5 minutes: a level that follows the calendar. */
  private snapshot(t: number, ctx: { hour: number; weekend: boolean; dayFactor: number }): void {
    const s = this.model.streams[this.levelStream]!
    const factor = s.shape.hourly[ctx.hour]! * (ctx.weekend ? s.shape.weekendFactor : 1) * ctx.dayFactor
    const ev = newEv(t, s.idx, this.q++)
    this.draws.select(s.idx, t)
    const bend = this.modifiers ? this.modifiers.rateFactor(s.idx, t) : 1
    ev.y = Math.round(this.levelBase(s) * factor * bend * this.draws.current.noiseFactor(s.def.cv))
    this.happen(ev)
  }

  /** The weekday mean of a level stream: the middle of its level field's domain. */
  levelBase(s: StreamRt): number {
    const f = s.def.levelField ? s.def.payload[s.def.levelField] : undefined
    return f && (f.type === 'int' || f.type === 'number') ? (f.min + f.max) / 2 : 1
  }

  /**
   * n arrivals of a root whose chains are all independent draws. Each branch's followers are
   * Binomial(n, p); arrival j (drawn only for j below the largest follower count) is the cause
   * of follower j of every branch. Followers nobody reads are placed per bucket; the arrivals
   * without followers are only counted (history) or drawn on a side generator (live).
   */
  private fireAggregate(s: StreamRt, t: number, n: number, h: Handler | undefined): void {
    const counts: number[] = []
    let causes = 0
    const own = this.draws.current
    for (const chain of s.chains) {
      const plan = this.modifiers?.branchPlan(chain, t, this.clock)
      chain.branches.forEach((b, i) => {
        // Each branch's count on its target's generator: bending one leaves the others' as they were.
        if (b.target >= 0) this.draws.select(b.target, t)
        const k = this.draws.current.binomial(n, (plan ? plan.p[i]! : b.p) * (plan?.follow?.[i] ?? 1))
        this.draws.restore(own)
        counts.push(k)
        if (!this.spreadable(b)) causes = Math.max(causes, k)
      })
    }
    // In history the causes are only counted afterwards: reuse their objects across steps.
    const reuse = t + STEP_MS <= this.emitFrom
    const parents = reuse ? this.scratch : []
    // Arrival j's time is fixed by j alone, so how many causes there are shifts no other time.
    for (let j = 0; j < causes; j++) {
      const at = t + Math.floor(keyedUnit(this.seed, s.idx, t, j) * STEP_MS)
      let ev: Ev
      if (reuse && j < parents.length) {
        ev = parents[j]!
        ev.t = at
        ev.s = s.idx
        ev.q = this.q++
        ev.id = ev.st = ev.tu = ev.sub = -1
        ev.x = ev.y = 0
        ev.v = undefined
      } else {
        ev = newEv(at, s.idx, this.q++)
        parents.push(ev)
      }
      h?.root?.(ev)
    }
    let c = 0
    for (const chain of s.chains) {
      for (const b of chain.branches) {
        const k = counts[c++]!
        if (k === 0) continue
        if (this.spreadable(b)) {
          if (t + STEP_MS + b.maxDelay < this.historyStartMs) continue
          this.draws.select(b.target, t)
          this.countSpread(b.target, k, t, STEP_MS, b.minDelay, b.maxDelay)
          this.draws.restore(own)
          continue
        }
        for (let j = 0; j < k; j++) this.spawn(b, parents[j]!, h)
      }
    }
    for (let j = 0; j < causes; j++) if (parents[j]!.t >= this.historyStartMs) this.happen(parents[j]!)
    if (n > causes && t >= this.historyStartMs) this.happenMany(s.idx, t, STEP_MS, n - causes)
  }

  /** A branch whose followers are plain counts: placed per bucket without drawing each one. */
  private spreadable(b: BranchRt): boolean {
    // Only for busy streams: a rarer follower keeps its own cause (a conversion names its click).
    return (
      b.target >= 0 &&
      this.countOnly[b.target] === 1 &&
      b.countMin === 1 &&
      b.countMax === 1 &&
      !b.anchor &&
      this.model.streams[b.target]!.def.eventsPerDay >= SPREAD_MIN_PER_DAY
    )
  }

  /**
   * k followers of causes spread over [t, t + len), each delayed U(lo, hi): split k over the
   * 5-minute buckets they land in with the exact distribution of the arrival time (sequential
   * binomials) instead of drawing each follower's time.
   */
  private countSpread(target: number, k: number, t: number, len: number, lo: number, hi: number): void {
    const bucketStart = floorTo(t + lo, BUCKET_MS)
    let left = k
    let below = 0 // P(arrival < current bucket end) already assigned
    for (let end = bucketStart + BUCKET_MS; left > 0; end += BUCKET_MS) {
      const cdf = uniformSumCdf(end - t, len, lo, hi)
      const p = cdf >= 1 ? 1 : (cdf - below) / (1 - below)
      const here = p >= 1 ? left : this.draws.current.binomial(left, p)
      if (here > 0 && end > this.historyStartMs) {
        const from = Math.max(end - BUCKET_MS, t + lo)
        this.happenMany(target, from, end - from, here, t, end)
      }
      left -= here
      below = cdf
    }
  }

  private process(ev: Ev): void {
    // Each stream (and each deferred decision) draws from its own keyed generator: what one
    // stream draws never shifts what another draws.
    const prev = this.draws.select(ev.s >= 0 ? ev.s : this.model.streams.length - ev.s - 1, this.clock)
    this.handle(ev)
    this.draws.restore(prev)
  }

  private handle(ev: Ev): void {
    if (ev.s < 0) {
      // A deferred decision coming due: fire its chain as if its trigger happened again now.
      const chain = this.model.chains[-ev.s - 1]!
      this.fire(chain, ev, this.handlers[chain.trigger])
      return
    }
    const h = this.handlers[ev.s]
    h?.process?.(ev)
    this.modifiers?.record?.(ev, h?.field)
    const s = this.model.streams[ev.s]!
    for (const chain of s.chains) this.fire(chain, ev, h)
    if (ev.t >= this.historyStartMs) this.happen(ev)
  }

  private fire(chain: ChainRt, ev: Ev, h: Handler | undefined): void {
    const plan = this.modifiers?.branchPlan(chain, ev.t, this.clock)
    // Children handled at once select their own generator and restore this one.
    const rng = this.draws.current
    const probs = plan?.p
    const branches = chain.branches
    if (chain.outcome) {
      let x = rng.next()
      let chosen = probs ? -1 : branches.length - 1
      for (let i = 0; i < branches.length; i++) {
        x -= probs ? probs[i]! : branches[i]!.p
        if (x < 0) {
          chosen = i
          break
        }
      }
      // A bent plan may leave room for nothing at all: a started session dropped by an outage.
      if (chosen < 0) return
      const b = branches[chosen]!
      if (chain.outcomeField) ev.v = b.value
      const follow = plan?.follow?.[chosen]
      this.spawn(b, ev, h, follow)
      return
    }
    for (let i = 0; i < branches.length; i++) {
      const b = branches[i]!
      if (b.condition && !b.test!(h?.field?.(ev, b.condition[0]!.field))) continue
      if (rng.next() < (probs ? probs[i]! : b.p)) this.spawn(b, ev, h)
    }
  }

  /**
   * Follow branch b of parent's chain. Its draws (whether a forced outcome follows through,
   * delays, counts, the follower's entities) come from the generator of what they decide (the
   * target stream, or the deferred decision), never from the trigger's: bending one branch
   * then leaves its siblings' draws exactly as they were.
   */
  private spawn(b: BranchRt, parent: Ev, h: Handler | undefined, follow = 1): void {
    if (b.target < 0 && !b.then) return
    // A branch that draws nothing (fixed delay and count, no handler choosing anything) needs no
    // generator: skipping the switch changes no draw (a key re-seeds by period whenever selected).
    if (follow >= 1 && b.minDelay === b.maxDelay && b.countMin === b.countMax && (b.then !== undefined || (!h?.delay && !this.handlers[b.target]?.child))) {
      return this.place(b, parent, h)
    }
    const prev = this.draws.select(b.then ? this.model.streams.length + b.then.index : b.target, this.clock)
    if (follow >= 1 || this.draws.current.next() < follow) this.place(b, parent, h)
    this.draws.restore(prev)
  }

  private place(b: BranchRt, parent: Ev, h: Handler | undefined): void {
    if (b.then) {
      // Decided later, at the branch's time, with what is known then: a decision event waits.
      const at = (b.anchor === 'scheduled_time' ? parent.x : parent.t) + this.delay(b)
      const decision = this.child(parent, Math.max(parent.t, Math.floor(at)), -(b.then.index + 1))
      this.wheel.push(decision) // a copy: the object is free again
      this.pool.push(decision)
      return
    }
    if (b.target < 0) return
    const cal = this.model.calendar
    if (b.anchor === 'weekly_payout') {
      if (parent.x < 0) return // not the tutor's first completion of the week
      const child = childEv(parent, cal.midnightOf(parent.x) + this.delay(b), b.target, this.q++)
      child.x = parent.x
      this.schedule(child)
      return
    }
    const count = b.countMin === b.countMax ? b.countMin : this.draws.current.between(b.countMin, b.countMax)
    const target = this.handlers[b.target]
    for (let k = 0; k < count; k++) {
      let t: number
      if (b.anchor === 'scheduled_time') t = parent.x + this.delay(b)
      else if (b.anchor === 'before_scheduled_time') t = Math.max(parent.t + MINUTE, parent.x - this.delay(b))
      else t = parent.t + (h?.delay ? h.delay(parent, b) : this.delay(b))
      if (t < parent.t) t = parent.t
      t = Math.floor(t)
      if (this.countOnly[b.target] && t < this.emitFrom) {
        // Counted only: no event object, no identity (nothing will read it).
        if (t >= this.historyStartMs) {
          this.buckets.add(b.target, t, 1)
          this.processed++
        }
        continue
      }
      const child = this.child(parent, t, b.target)
      target?.child?.(child, parent, b)
      this.schedule(child)
    }
  }

  private delay(b: BranchRt): number {
    return b.minDelay === b.maxDelay ? b.minDelay : b.minDelay + this.draws.current.next() * (b.maxDelay - b.minDelay)
  }

  /** What the expectation pass depends on (config and timing, not the seed): equal keys, equal passes. */
  expectationKey(): string {
    const w = this.model.world
    return `${hash32(JSON.stringify([w.streams, w.relationships, w.calendar]))}:${this.originMs}:${this.historyStartMs}:${this.liveFromMs}`
  }

  /** A seed for payloads and identities that must not disturb the world's own draws. */
  sideSeed(...parts: Array<string | number>): number {
    return hash32(this.seed, ...parts)
  }
}
