/**
 * What each stream is expected to do at each moment, in the baseline world: the mean of the
 * generative model, propagated through the chains with their delay distributions (a
 * mean-field pass over 5-minute buckets). Root streams follow rate × calendar; a derived
 * stream follows its causes, so sessions booked days ahead, Friday payouts and the lag of a
 * season change are all expected rather than flagged. Scenarios never enter it: normalization
 * compares what the data shows against this baseline.
 */
import { conditionShare, type ChainRt, type Model, type StreamRt } from './model.js'
import { ANSWER_MARGIN, PayoutBook, TICKET_RESOLUTION_HOURS } from './processes.js'
import { Rng } from './rng.js'
import { BUCKET_MS, HOUR, MINUTE } from './time.js'

export interface ExpectationSource {
  /** Where the simulation (and its burn-in) begins: nothing is pending before it. */
  originMs: number
  historyStartMs: number
  /** When each root stream starts arriving (burn-in for chains with long delays). */
  rootActiveFrom: Float64Array
  levelStream: number
  levelBase(s: StreamRt): number
}

/**
 * What bends a world, as the pass needs it (the engine's Modifiers, read-only): with them the
 * same pass gives the expected counts of a world with its scenarios, background events and
 * cascades, so its ratio to the baseline pass is the ground truth of what they change.
 */
export interface ExpectationModifiers {
  /** Multiplier on a stream's own arrivals (or level) at t. */
  rate(stream: number, t: number): number
  /** The branch probabilities (and follow-through shares) of a chain decided at t, known at knownAt. */
  plan(chain: ChainRt, t: number, knownAt: number): { p: readonly number[]; follow?: readonly number[] } | undefined
  /** How much likelier a conditional branch's condition is at t than in the baseline. */
  conditionGrowth(chain: ChainRt, branch: number, t: number): number
}

/** Streams whose follow-ups are timed from a session's scheduled start. */
const ANCHOR_SOURCE = 'session.booking.requested'
const ANCHOR_STAGE = 'session.booking.confirmed'
const PAYOUT_WINDOW = 12 * HOUR
const ACTIVE_TUTOR_SHARE = 0.9

/** Growth of a pass's arrays: a quarter at a time, at least two simulated days of buckets. */
const GROW_FACTOR = 1.25
const GROW_MIN = 576

class Growable {
  data = new Float64Array(4096)
  ensure(i: number): void {
    if (i < this.data.length) return
    // Not doubled: a 30-day pass needs ~10,000 buckets, and doubling to 16,384 wasted a third of
    // every array (three per stream, in each of up to three passes per world).
    const cap = Math.max(i + 1, Math.ceil(this.data.length * GROW_FACTOR), this.data.length + GROW_MIN)
    const d = new Float64Array(cap)
    d.set(this.data)
    this.data = d
  }
  add(i: number, v: number): void {
    this.ensure(i)
    this.data[i]! += v
  }
}

/**
 * What the pass has computed so far, as plain arrays: the pass depends only on the config and
 * the options, so another thread can run it and hand it over (see restore).
 */
export interface ExpectationState {
  /** Identifies the model and source the pass was computed for. */
  key: string
  swept: number
  mass: Float64Array<ArrayBuffer>[]
  diff: Float64Array<ArrayBuffer>[]
  prefix: Float64Array<ArrayBuffer>[]
  running: Float64Array<ArrayBuffer>
  confirmedByDay: Array<[number, number]>
  confirmedThisHour: number
  ticketKernels: Array<[number, Float64Array<ArrayBuffer>]>
}

export class Expectation {
  /** Expected events (or expected level for the level stream) per stream per bucket from originMs. */
  private readonly mass: Growable[]
  /** Difference array of whole-bucket densities still to be integrated into `mass`. */
  private readonly diff: Growable[]
  private readonly running: Float64Array<ArrayBuffer>
  /** Confirmed requests per local day, spread over their sessions' scheduled slots at the day's end. */
  private readonly confirmedByDay = new Map<number, number>()
  /** Confirmed requests of the hour being swept (their cancellations are placed at the hour's end). */
  private confirmedThisHour = 0
  /** Prefix sums of finalized buckets. */
  private readonly prefix: Growable[]
  private swept = 0
  private sweeping = 0
  private readonly order: number[]
  private readonly ticketKernels = new Map<number, Float64Array<ArrayBuffer>>()
  private readonly anchorSource: number
  private readonly anchorStage: number
  private readonly declineStage: number
  private readonly payoutStream: number
  private readonly atBucketStart: Uint8Array
  private readonly completedStream: number
  private readonly approvedStream: number
  private readonly statusStream: number

  constructor(
    private readonly model: Model,
    private readonly src: ExpectationSource,
    private readonly mods?: ExpectationModifiers,
  ) {
    const n = model.streams.length
    this.mass = Array.from({ length: n }, () => new Growable())
    this.diff = Array.from({ length: n }, () => new Growable())
    this.running = new Float64Array(n)
    this.prefix = Array.from({ length: n }, () => new Growable())
    this.order = this.topologicalOrder()
    this.anchorSource = model.index.get(ANCHOR_SOURCE) ?? -1
    this.anchorStage = model.index.get(ANCHOR_STAGE) ?? -1
    this.declineStage = model.index.get('session.booking.declined_by_tutor') ?? -1
    this.payoutStream = model.index.get('tutor.payout.initiated') ?? -1
    this.completedStream = model.index.get('session.completed') ?? -1
    this.approvedStream = model.index.get('tutor.onboarding.approved') ?? -1
    this.statusStream = model.index.get('tutor.status.changed') ?? -1
    this.atBucketStart = new Uint8Array(n)
    for (const c of model.chains) {
      for (const b of c.branches) {
        const timed = b.then ? b.then.branches.map((d) => ({ ...d, minDelay: d.minDelay + b.minDelay, maxDelay: d.maxDelay + b.maxDelay })) : [b]
        const anchored = b.anchor === 'scheduled_time'
        for (const x of timed) if (anchored && x.target >= 0 && x.minDelay === x.maxDelay && x.minDelay % BUCKET_MS === 0) this.atBucketStart[x.target] = 1
      }
    }
  }

  /** Triggers before targets along zero-delay edges, so a bucket's inflow is complete before its outflow. */
  private topologicalOrder(): number[] {
    const n = this.model.streams.length
    const indeg = new Int32Array(n)
    const edges: number[][] = Array.from({ length: n }, () => [])
    for (const c of this.model.chains) {
      for (const b of c.branches) {
        if (b.target < 0 || b.minDelay >= BUCKET_MS || b.target === c.trigger) continue
        edges[c.trigger]!.push(b.target)
        indeg[b.target]!++
      }
    }
    const order: number[] = []
    const queue = [...Array(n).keys()].filter((i) => indeg[i] === 0)
    while (queue.length) {
      const i = queue.shift()!
      order.push(i)
      for (const j of edges[i]!) if (--indeg[j]! === 0) queue.push(j)
    }
    for (let i = 0; i < n; i++) if (!order.includes(i)) order.push(i)
    return order
  }

  /** Ticket follow-ups are timed by the resolution time (log-normal), not a uniform delay. */
  private buildTicketKernels(): void {
    const created = this.model.index.get('support.ticket.created')
    const resolved = this.model.index.get('support.ticket.resolved')
    const updated = this.model.index.get('support.ticket.updated')
    if (created === undefined) return
    const rng = new Rng(1, 'ticket-kernel')
    const samples = 200_000
    const size = Math.ceil((25 * HOUR) / BUCKET_MS) + 2
    const res = new Float64Array(size)
    const upd = new Float64Array(size)
    for (let i = 0; i < samples; i++) {
      const offset = rng.next() * BUCKET_MS
      const { median, p90, min, max } = TICKET_RESOLUTION_HOURS
      const r = Math.min(max, Math.max(min, rng.logNormal(median, p90))) * HOUR
      res[Math.floor((offset + r) / BUCKET_MS)]! += 1 / samples
      upd[Math.floor((offset + rng.next() * r) / BUCKET_MS)]! += 1 / samples
    }
    if (resolved !== undefined) this.ticketKernels.set(resolved, res)
    if (updated !== undefined) this.ticketKernels.set(updated, upd)
  }

  private bucketOf(t: number): number {
    return Math.floor((t - this.src.originMs) / BUCKET_MS)
  }

  /**
   * Spread `m` events caused in bucket b with a delay uniform in [lo, hi] ms. The cause is
   * taken at the bucket's middle; whole buckets of the range get a constant density through a
   * difference array (O(1) however long the range), the partial ends are added directly.
   */
  private spread(target: number, b: number, m: number, lo: number, hi: number): void {
    // Nothing may land before the bucket being swept (it would never be counted).
    const floor = this.sweeping * BUCKET_MS
    const end = Math.max(floor, (b + 0.5) * BUCKET_MS + hi) // in ms from origin
    const start = Math.min(end, Math.max(floor, (b + 0.5) * BUCKET_MS + lo))
    const mass = this.mass[target]!
    const first = Math.floor(start / BUCKET_MS)
    const last = Math.floor(end / BUCKET_MS)
    if (end - start < 1 || first === last) {
      mass.add(first, m)
      return
    }
    const density = m / (end - start) // events per ms
    mass.add(first, density * ((first + 1) * BUCKET_MS - start))
    mass.add(last, density * (end - last * BUCKET_MS))
    if (last > first + 1) {
      const diff = this.diff[target]!
      diff.add(first + 1, density * BUCKET_MS)
      diff.add(last, -density * BUCKET_MS)
    }
  }

  /** Make sure buckets up to (and including) the one holding t are final. */
  ensure(t: number): void {
    const want = this.bucketOf(t) + 1
    while (this.swept < want) this.sweep(this.swept++)
  }

  private sweep(b: number): void {
    // Built at the first sweep, not in the constructor: a restored pass brings its own.
    if (b === 0) this.buildTicketKernels()
    this.sweeping = b
    const model = this.model
    const tb = this.src.originMs + b * BUCKET_MS
    const ctx = model.calendar.context(tb)
    for (const i of this.order) {
      const s = model.streams[i]!
      const factor = s.shape.hourly[ctx.hour]! * (ctx.weekend ? s.shape.weekendFactor : 1) * ctx.dayFactor
      if (i === this.src.levelStream) {
        if (tb >= this.src.historyStartMs) this.mass[i]!.add(b, this.src.levelBase(s) * factor * (this.mods ? this.mods.rate(i, tb) : 1))
        continue
      }
      this.diff[i]!.ensure(b)
      this.running[i]! += this.diff[i]!.data[b]!
      this.mass[i]!.add(b, this.running[i]!)
      if (s.rootPerHour > 0 && tb >= this.src.rootActiveFrom[i]!) this.mass[i]!.add(b, s.rootPerHour * (BUCKET_MS / HOUR) * factor * this.rateOver(i, tb))
      const m = this.mass[i]!.data[b]!
      if (m > 0) this.flowOut(s, b, m)
    }
    if (this.payoutStream >= 0) this.payouts(b, tb)
    if ((tb + BUCKET_MS) % HOUR === 0) this.cancellations(tb + BUCKET_MS - HOUR)
    for (let i = 0; i < model.streams.length; i++) this.finalize(i, b)
  }

  /** The mean rate multiplier over a bucket's one-minute steps (the engine bends each step). */
  private rateOver(i: number, tb: number): number {
    if (!this.mods) return 1
    let f = 0
    for (let k = 0; k < BUCKET_MS / MINUTE; k++) f += this.mods.rate(i, tb + k * MINUTE)
    return f / (BUCKET_MS / MINUTE)
  }

  /** Probability of branch i of a chain decided at t (known at knownAt): bent where a modifier bends it. */
  private p(chain: ChainRt, i: number, t: number, knownAt = t): number {
    const br = chain.branches[i]!
    const plan = this.mods?.plan(chain, t, knownAt)
    return plan ? plan.p[i]! * (plan.follow?.[i] ?? 1) : br.p
  }

  private flowOut(s: StreamRt, b: number, m: number): void {
    const t = this.src.originMs + (b + 0.5) * BUCKET_MS
    for (const chain of s.chains) {
      for (const [i, br] of chain.branches.entries()) {
        if (br.target < 0 || br.anchor) continue
        if (s.idx === this.anchorSource && (br.target === this.anchorStage || br.target === this.declineStage)) continue
        let share = this.p(chain, i, t) * ((br.countMin + br.countMax) / 2)
        if (br.condition) share *= conditionShare(s.def.payload[br.condition[0]!.field], br.condition) * (this.mods ? this.mods.conditionGrowth(chain, i, t) : 1)
        const kernel = chain.trigger === this.model.index.get('support.ticket.created') ? this.ticketKernels.get(br.target) : undefined
        if (kernel) {
          const arr = this.mass[br.target]!
          arr.ensure(b + kernel.length)
          for (let k = 0; k < kernel.length; k++) arr.data[b + k]! += m * share * kernel[k]!
        } else this.spread(br.target, b, m * share, br.minDelay, br.maxDelay)
      }
    }
    if (s.idx === this.anchorSource) this.scheduleSessions(s, b, m)
  }

  /**
   * Requests of bucket b. Their sessions lie on a quarter hour 08:00-19:45, 1-7 days ahead;
   * the answer (confirmation or decline) comes within its window but at least 30 minutes
   * before that slot, which only bites for next-day slots. The anchored follow-ups (starts,
   * no-shows, cancellations) depend only on the request's day: they are spread once a day.
   */
  private scheduleSessions(s: StreamRt, b: number, m: number): void {
    const cal = this.model.calendar
    const booking = s.chains.find((c) => c.outcome)
    if (!booking) return
    const tb = this.src.originMs + b * BUCKET_MS
    const day = cal.localDay(tb)
    const t = tb + BUCKET_MS / 2
    for (const [i, br] of booking.branches.entries()) {
      if (br.target !== this.anchorStage && br.target !== this.declineStage) continue
      const p = this.p(booking, i, t)
      // Six days of slots out of seven are far enough for the full window.
      this.spread(br.target, b, m * p * (6 / 7), br.minDelay, br.maxDelay)
      const base = cal.midnightOf(day + 1) + 8 * HOUR
      for (let j = 0; j < 48; j++) {
        const sched = base + j * 15 * MINUTE
        const max = Math.max(br.minDelay, Math.min(br.maxDelay, sched - ANSWER_MARGIN - t))
        this.spread(br.target, b, (m * p) / (7 * 48), br.minDelay, max)
      }
      // Confirmed sessions, as bent when they were decided: what their later decisions start from.
      if (br.target === this.anchorStage) {
        this.confirmedByDay.set(day, (this.confirmedByDay.get(day) ?? 0) + m * p)
        this.confirmedThisHour += m * p
      }
    }
    // At the day's last bucket: place its sessions' anchored follow-ups.
    if (cal.localDay(tb + BUCKET_MS) !== day) this.anchoredFollowUps(day)
  }

  /**
   * Cancellations of the sessions requested in the hour from `hourStart`: 1-48 h before the
   * slot, but never before the booking was confirmed (0-24 h after the request, at least
   * ANSWER_MARGIN before the slot); those that would fall earlier come right after the
   * confirmation instead. Placed per request hour, since that pile-up follows the requests'
   * time of day.
   */
  private cancellations(hourStart: number): void {
    const confirmed = this.confirmedThisHour
    this.confirmedThisHour = 0
    const booking = this.model.streams[this.anchorSource]?.chains.find((c) => c.outcome)
    const confirm = booking?.branches.find((x) => x.target === this.anchorStage)
    if (!confirm || confirmed === 0) return
    const cal = this.model.calendar
    const day = cal.localDay(hourStart)
    const b = this.bucketOf(hourStart + HOUR / 2)
    const centre = this.src.originMs + (b + 0.5) * BUCKET_MS
    const tau = hourStart + HOUR / 2
    const perSlot = confirmed / (7 * 48)
    for (const chain of this.model.streams[this.anchorStage]!.chains) {
      for (const [i, br] of chain.branches.entries()) {
        if (br.target < 0 || br.anchor !== 'before_scheduled_time') continue
        for (let k = 1; k <= 7; k++) {
          const base = cal.midnightOf(day + k) + 8 * HOUR
          for (let j = 0; j < 48; j++) {
            const sched = base + j * 15 * MINUTE
            const answerSpan = Math.max(confirm.minDelay, Math.min(confirm.maxDelay, sched - ANSWER_MARGIN - tau))
            const answered = tau + answerSpan / 2
            // Decided when the confirmation is, with what was known at the request.
            const m = perSlot * this.p(chain, i, answered, tau)
            // The share whose 1-48 h lead would reach back before the confirmation.
            const early = Math.min(1, Math.max(0, (br.maxDelay - (sched - answered)) / (br.maxDelay - br.minDelay || 1)))
            if (early > 0) this.spread(br.target, b, m * early, tau - centre + MINUTE, tau - centre + MINUTE + answerSpan)
            if (early < 1) {
              const lead = Math.min(br.maxDelay, sched - answered)
              const sb = this.bucketOf(sched)
              const sc = this.src.originMs + (sb + 0.5) * BUCKET_MS
              this.spread(br.target, sb, m * (1 - early), sched - lead - sc, sched - br.minDelay - sc)
            }
          }
        }
      }
    }
  }

  private anchoredFollowUps(day: number): void {
    const confirmed = this.confirmedByDay.get(day) ?? 0
    this.confirmedByDay.delete(day)
    if (confirmed === 0) return
    const cal = this.model.calendar
    const perSlot = confirmed / (7 * 48)
    // Taken when the confirmation is (about midday of the request's day, for a bent share).
    const confirmedAt = cal.midnightOf(day) + 12 * HOUR
    for (const chain of this.model.streams[this.anchorStage]!.chains) {
      for (const [i, b] of chain.branches.entries()) {
        if (b.anchor !== 'scheduled_time') continue
        const outer = this.p(chain, i, confirmedAt)
        // A branch deferring to a later decision contributes that decision's branches, decided at the slot.
        const inner = b.then ? b.then.branches.map((d, k) => ({ br: d, k })) : [{ br: b, k: -1 }]
        for (const { br, k: di } of inner) {
          if (br.target < 0) continue
          const lo = b.then ? b.minDelay + br.minDelay : br.minDelay
          const hi = b.then ? b.maxDelay + br.maxDelay : br.maxDelay
          for (let k = 1; k <= 7; k++) {
            const base = cal.midnightOf(day + k) + 8 * HOUR
            for (let j = 0; j < 48; j++) {
              const sched = base + j * 15 * MINUTE
              const sb = this.bucketOf(sched)
              const centre = this.src.originMs + (sb + 0.5) * BUCKET_MS
              const p = b.then ? outer * this.p(b.then, di, sched) : outer
              this.spread(br.target, sb, perSlot * p, lo + (sched - centre), hi + (sched - centre))
            }
          }
        }
      }
    }
  }

  /** Friday 00:00-12:00 local: one payout per tutor with a completion in the week before. */
  private payouts(b: number, tb: number): void {
    const cal = this.model.calendar
    if (tb !== cal.midnightOf(cal.localDay(tb))) return
    const day = cal.localDay(tb)
    if (PayoutBook.payDay(day - 1) !== day) return
    const from = this.bucketOf(cal.midnightOf(day - 7))
    let completions = 0
    for (let k = Math.max(0, from); k < b; k++) completions += this.mass[this.completedStream]!.data[k] ?? 0
    // The initial active tutors and every one approved since the run began (all start active).
    const approved = this.approvedStream >= 0 ? this.prefix[this.approvedStream]!.data[b] ?? 0 : 0
    // Half the status changes bring an away tutor back: active for part of the week, paid too.
    const returned = this.statusStream >= 0 ? ((this.prefix[this.statusStream]!.data[b] ?? 0) - (this.prefix[this.statusStream]!.data[Math.max(0, from)] ?? 0)) / 2 : 0
    const tutors = this.model.world.streams.volumeTargets.tutors * ACTIVE_TUTOR_SHARE + approved + returned
    const paid = tutors * (1 - Math.exp(-completions / tutors))
    const buckets = PAYOUT_WINDOW / BUCKET_MS
    for (let k = 0; k < buckets; k++) this.mass[this.payoutStream]!.add(b + k, paid / buckets)
  }

  private finalize(i: number, b: number): void {
    const m = this.mass[i]!.data[b] ?? 0
    const p = this.prefix[i]!
    p.ensure(b + 1)
    p.data[b + 1] = p.data[b]! + m
  }

  /** The pass so far, for another Expectation of the same model and source to take over. */
  snapshot(key: string): ExpectationState {
    return {
      key,
      swept: this.swept,
      mass: this.mass.map((g) => g.data),
      diff: this.diff.map((g) => g.data),
      prefix: this.prefix.map((g) => g.data),
      running: this.running,
      confirmedByDay: [...this.confirmedByDay],
      confirmedThisHour: this.confirmedThisHour,
      ticketKernels: [...this.ticketKernels],
    }
  }

  /**
   * Take over a pass computed elsewhere (the same code on the same inputs gives the same
   * numbers, so the world is unchanged). Only before this one has swept anything, and only for
   * the same key; returns whether it was taken.
   */
  restore(state: ExpectationState, key: string): boolean {
    if (this.swept > 0 || state.key !== key || state.mass.length !== this.mass.length) return false
    state.mass.forEach((d, i) => (this.mass[i]!.data = d))
    state.diff.forEach((d, i) => (this.diff[i]!.data = d))
    state.prefix.forEach((d, i) => (this.prefix[i]!.data = d))
    this.running.set(state.running)
    for (const [day, n] of state.confirmedByDay) this.confirmedByDay.set(day, n)
    this.confirmedThisHour = state.confirmedThisHour
    for (const [s, k] of state.ticketKernels) this.ticketKernels.set(s, k)
    this.swept = state.swept
    this.sweeping = state.swept - 1
    return true
  }

  /** Expected events of stream s in [from, to) (bucket-aligned or not; partial buckets prorated). */
  expectedCount(s: number, from: number, to: number): number {
    this.ensure(to)
    return this.cumulative(s, to) - this.cumulative(s, from)
  }

  private cumulative(s: number, t: number): number {
    const x = (t - this.src.originMs) / BUCKET_MS
    if (x <= 0) return 0
    const b = Math.floor(x)
    const p = this.prefix[s]!.data
    // Within a bucket, mass arrives evenly, except for streams that land on the bucket's first
    // instant (a no-show is declared exactly 15 minutes after a quarter-hour start).
    const within = this.atBucketStart[s] ? (x > b ? 1 : 0) : x - b
    return p[b]! + (p[b + 1]! - p[b]!) * within
  }

  /** The expected level of a level stream at the bucket holding t. */
  expectedLevel(s: number, t: number): number {
    this.ensure(t)
    return this.mass[s]!.data[this.bucketOf(t)] ?? 0
  }
}
