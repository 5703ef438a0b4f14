/**
 * Cascade rules: a surge of trigger events lifts the target stream after the rule's delay.
 * A lift is driven by the *excess* of trigger events over what the baseline expects in the
 * window that can reach now (delay range plus the policy window), beyond two standard
 * deviations: at baseline the lift is 1 (an expired booking an hour is normal), when a
 * scenario makes expirations surge the target rises by up to the rule's multiplier, and when
 * the surge ends the lift ends with it. Bounded in time, never compounding.
 */
import type { Expectation } from '../sim/expectation.js'
import type { Spread } from '../sim/spread.js'
import { conditionShare, type Model } from '../sim/model.js'
import { BUCKET_MS } from '../sim/time.js'
import { parseCondition, type Comparison } from '../config/conditions.js'
import { parseDelay, parseDuration } from '@marketsim/shared-types'
import type { ScenarioRun } from './lifecycle.js'
import { settleEnd } from './lifecycle.js'

/**
 * Counts of trigger events (matching a condition) per 5-minute bucket, recorded when decided,
 * in a Fenwick tree: events land in any bucket (decided ahead), windows are summed in O(log n).
 */
export class Ledger {
  private tree = new Float64Array(1 << 14)
  constructor(
    readonly trigger: number,
    readonly key: string,
    readonly comparisons: Comparison[] | undefined,
    /** "count >= N in D": the trigger's count over the window must reach N. */
    readonly atLeast: number | undefined,
  ) {}

  add(bucket: number): void {
    if (bucket < 0) return
    while (bucket >= this.tree.length) this.grow()
    for (let i = bucket + 1; i <= this.tree.length; i += i & -i) this.tree[i - 1]! += 1
  }

  /** Doubling keeps the tree valid: old nodes keep their ranges, the new root takes the old total. */
  private grow(): void {
    const n = this.tree.length
    const t = new Float64Array(n * 2)
    t.set(this.tree)
    t[2 * n - 1] = this.prefix(n)
    this.tree = t
  }

  /** Sum of buckets [0, k). */
  private prefix(k: number): number {
    let s = 0
    for (let i = Math.min(k, this.tree.length); i > 0; i -= i & -i) s += this.tree[i - 1]!
    return s
  }

  sum(from: number, to: number): number {
    if (to <= from) return 0
    return this.prefix(to) - this.prefix(Math.max(0, from))
  }
}

export interface CascadeRuleRt {
  /** Unique for the life of the Cascades (cache key). */
  index: number
  id: string
  trigger: number
  target: number
  multiplier: number
  minDelay: number
  maxDelay: number
  ledger: Ledger
  /** Only trigger events while this scenario is in force count (global rules: always). */
  run?: ScenarioRun
  description: string
}

export interface CascadeDefLike {
  trigger: string
  target: string
  multiplier: number
  delay: string
  condition?: string
}

const MIN_WINDOW_EVENTS = 20
/** A lift needs the trigger's count this many standard deviations above its expectation. */
const EXCESS_SIGMAS = 3
/** How long after a scenario settles its own cascade rules keep listening to their triggers. */
export const SCENARIO_RULE_TAIL_MS = 2 * 86_400_000

export class Cascades {
  readonly rules: CascadeRuleRt[] = []
  private readonly ledgers = new Map<string, Ledger>()
  /** Ledgers by trigger stream index, for the engine to record into. */
  readonly byTrigger: Array<Ledger[] | undefined> = []
  private readonly windowMs: number
  private readonly minCombined: number
  private readonly maxCombined: number
  /** Baseline share of trigger events that match each ledger's condition. */
  private readonly shares = new Map<Ledger, number>()
  /**
   * Lift per (rule, bucket, whether the rule's stop is known). A lift is computed from the
   * triggers decided when it is first asked for, so it is kept, never recomputed: a world
   * replayed from its journal (or rebuilt) asks in the same order and must get the same
   * values, and the ground truth must report the lifts that were applied.
   */
  private readonly cache = new Map<number, number>()
  /** Per rule: the first and last bucket it has lifted (the ground truth looks only there). */
  private readonly liftedSpan = new Map<number, { first: number; last: number }>()

  /** The span [from, to) of times in which a rule has lifted its target, if it ever has. */
  liftedBetween(rule: CascadeRuleRt): { from: number; to: number } | undefined {
    const span = this.liftedSpan.get(rule.index)
    return span && { from: this.originMs + span.first * BUCKET_MS, to: this.originMs + (span.last + 1) * BUCKET_MS }
  }

  /** Rules by target stream. */
  private readonly byTarget = new Map<number, CascadeRuleRt[]>()

  constructor(
    private readonly model: Model,
    private readonly originMs: number,
    private readonly expectation: Expectation,
    private readonly spread: Spread,
  ) {
    const policy = model.world.relationships.cascadePolicy
    this.windowMs = parseDuration(policy.window)
    this.minCombined = policy.minCombinedMultiplier
    this.maxCombined = policy.maxCombinedMultiplier
  }

  ledgerFor(trigger: number, condition: string | undefined): Ledger {
    const key = `${trigger}|${condition ?? ''}`
    let l = this.ledgers.get(key)
    if (!l) {
      const parsed = condition ? parseCondition(condition) : undefined
      l = new Ledger(trigger, key, parsed?.kind === 'any-of' ? parsed.comparisons : undefined, parsed?.kind === 'count' ? parsed.atLeast : undefined)
      this.ledgers.set(key, l)
      this.byTrigger[trigger] = [...(this.byTrigger[trigger] ?? []), l]
    }
    return l
  }

  add(id: string, def: CascadeDefLike, run?: ScenarioRun, description = ''): void {
    const trigger = this.model.index.get(def.trigger)!
    const d = parseDelay(def.delay)
    const rule: CascadeRuleRt = {
      index: this.rules.length + this.dropped,
      id,
      trigger,
      target: this.model.index.get(def.target)!,
      multiplier: def.multiplier,
      minDelay: d.minMs,
      maxDelay: d.maxMs,
      ledger: this.ledgerFor(trigger, def.condition),
      run,
      description,
    }
    this.rules.push(rule)
    this.byTarget.set(rule.target, [...(this.byTarget.get(rule.target) ?? []), rule])
    // A new rule has lifts of its own; the others' stand. Only their combination changes.
    this.combined.clear()
  }

  private dropped = 0

  /** A stop changes how long a scenario's rules listen: their lifts are keyed by it; combinations are redone. */
  invalidate(): void {
    this.combined.clear()
  }

  /** Forget the rules of scenario runs (a reset); the ledgers keep counting. */
  dropScenarioRules(): void {
    for (let i = this.rules.length - 1; i >= 0; i--) {
      if (this.rules[i]!.run) {
        this.rules.splice(i, 1)
        this.dropped++
      }
    }
    this.byTarget.clear()
    for (const r of this.rules) this.byTarget.set(r.target, [...(this.byTarget.get(r.target) ?? []), r])
    this.cache.clear()
    this.combined.clear()
  }

  bucketOf(t: number): number {
    return Math.floor((t - this.originMs) / BUCKET_MS)
  }

  /**
   * Share of a ledger's trigger events that match its condition in the baseline, from the
   * catalog alone (so every world, rebuilt or not, expects the same): an enum condition from the
   * field's weights (uniform when it has none, which errs toward expecting more); a repeat
   * condition ("count >= 2 in 14 days") from the chance that an identified customer already
   * called within the window.
   */
  share(l: Ledger): number {
    let v = this.shares.get(l)
    if (v !== undefined) return v
    const s = this.model.streams[l.trigger]!
    if (l.comparisons) v = conditionShare(s.def.payload[l.comparisons[0]!.field], l.comparisons)
    else if (l.atLeast !== undefined) {
      const who = Object.values(s.def.payload).find((f) => f.type === 'id' && f.prefix === 'student_')
      const identified = who?.optional ?? 1
      const perWindow = (s.def.eventsPerDay * 14 * identified) / this.model.world.streams.volumeTargets.students
      v = identified * (1 - Math.exp(-perWindow * (l.atLeast - 1)))
    } else v = 1
    this.shares.set(l, v)
    return v
  }

  /**
   * While set, lifts are computed but never kept: the ground truth's expectation passes read
   * lifts (some for times the world has not reached) and must leave no trace the world would
   * later read back.
   */
  readOnly = false

  /** The lift of one rule at time t, from the trigger events decided before t's bucket. */
  lift(rule: CascadeRuleRt, t: number, knownAt: number): number {
    if (rule.run && (rule.run.knownAt > knownAt || t < rule.run.startMs + rule.minDelay)) return 1
    const b = this.bucketOf(t)
    const stopKnown = rule.run?.stoppedAt !== undefined && rule.run.stoppedAt <= knownAt ? 1 : 0
    const key = (rule.index * 1e7 + b) * 2 + stopKnown
    const hit = this.cache.get(key)
    if (hit !== undefined) return hit
    const l = rule.ledger
    const share = this.share(l)
    // A window long enough to hold a few dozen expected triggers, ending at the shortest delay.
    const perMs = (this.model.streams[l.trigger]!.def.eventsPerDay * share) / 86_400_000
    const span = Math.max(this.windowMs + (rule.maxDelay - rule.minDelay), perMs > 0 ? MIN_WINDOW_EVENTS / perMs : this.windowMs)
    let to = this.bucketOf(t - rule.minDelay) // exclusive: the current bucket may hold later decisions
    let from = this.bucketOf(t - rule.minDelay - span)
    if (rule.run) {
      // A scenario's rule listens from its start until its consequences have played out:
      // settling plus the tail of the chains it set off (a request expires a day later).
      from = Math.max(from, this.bucketOf(rule.run.startMs))
      to = Math.min(to, this.bucketOf(settleEnd(rule.run, knownAt) + SCENARIO_RULE_TAIL_MS) + 1)
    }
    let lift = 1
    if (to > from) {
      const observed = l.sum(from, to)
      const a = this.originMs + from * BUCKET_MS
      const z = this.originMs + to * BUCKET_MS
      const expected = share * this.expectation.expectedCount(l.trigger, a, z)
      // Beyond the honest spread (the weather included): the baseline's own swings set nothing off.
      const spread = Math.sqrt(this.triggerVariance(l.trigger, share, a, z))
      const excess = Math.max(0, observed - expected - EXCESS_SIGMAS * spread) / Math.max(1, expected)
      lift = 1 + (rule.multiplier - 1) * Math.min(1, excess)
    }
    if (this.readOnly) return lift
    if (this.cache.size > 200_000) this.cache.clear()
    this.cache.set(key, lift)
    if (lift !== 1) {
      const span = this.liftedSpan.get(rule.index)
      if (!span) this.liftedSpan.set(rule.index, { first: b, last: b })
      else {
        span.first = Math.min(span.first, b)
        span.last = Math.max(span.last, b)
      }
    }
    return lift
  }

  /**
   * Variance of the matching trigger count over [from, to): a thinned share of the trigger's.
   * The weather is taken as one deviation over the window (an upper bound, cheap: lifts are
   * asked for every bucket), so a rule errs toward staying quiet, never toward firing on noise.
   */
  private triggerVariance(trigger: number, share: number, from: number, to: number): number {
    const e = this.expectation.expectedCount(trigger, from, to)
    const whole = this.spread.varianceBound(trigger, e, to - from)
    // Thinning keeps share of the Poisson part and share² of the weather's (and of the groups').
    return share * e + share * share * Math.max(0, whole - e)
  }

  /** Combined lift of every rule on a target at t, within the policy's bounds. */
  factor(target: number, t: number, knownAt: number, only?: (rule: CascadeRuleRt) => boolean): number {
    let rules = this.byTarget.get(target)
    if (!rules) return 1
    const b = this.bucketOf(t)
    let global = rules.every((r) => !r.run)
    if (only) {
      rules = rules.filter(only)
      global = false // a partial view: computed, never kept
    }
    if (global && b >= 0 && !this.readOnly) {
      // Only always-on rules: the combined lift is fixed per bucket.
      let table = this.combined.get(target)
      if (!table) this.combined.set(target, (table = []))
      const hit = table[b]
      if (hit !== undefined) return hit
    }
    let f = 1
    for (const r of rules) f *= this.applied(r, t, knownAt, rules)
    f = Math.min(this.maxCombined, Math.max(this.minCombined, f))
    if (global && b >= 0 && !this.readOnly) this.combined.get(target)![b] = f
    return f
  }

  private readonly combined = new Map<number, number[]>()

  /**
   * The lift a rule really applies at t: its own, except that while a scenario's rule on the
   * same trigger and target is in force, that one answers the trigger's excess alone (one
   * surge lifts its target once, not once per rule).
   */
  applied(rule: CascadeRuleRt, t: number, knownAt: number, rules = this.byTarget.get(rule.target) ?? []): number {
    if (!rule.run && rules.some((o) => o.run && o.trigger === rule.trigger && this.inForce(o, t, knownAt))) return 1
    return this.lift(rule, t, knownAt)
  }

  /** Whether a scenario's rule listens at t (from its start until the tail after it settles). */
  private inForce(rule: CascadeRuleRt, t: number, knownAt: number): boolean {
    const run = rule.run!
    return run.knownAt <= knownAt && t >= run.startMs && t < settleEnd(run, knownAt) + SCENARIO_RULE_TAIL_MS
  }

  /** Whether some rule can lift this stream. */
  isTarget(stream: number): boolean {
    return this.byTarget.has(stream)
  }

  /** Targets some rule can lift. */
  targets(): Set<number> {
    return new Set(this.rules.map((r) => r.target))
  }
}
