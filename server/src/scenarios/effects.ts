/**
 * Everything that bends the baseline world, as the engine's Modifiers: scenario modifiers,
 * the external events scenarios inject, background events, random anomalies and cascades.
 *
 * Modifiers act on causes, and a declared factor is what the stream's count does:
 * - a factor on a stream with arrivals of its own scales their rate; on one that also follows
 *   other streams (tickets, refunds) the own arrivals make up the difference, so the whole
 *   count moves as declared while the followers stay as the rest of the world makes them;
 * - a factor on a derived stream scales the branch that produces it, divided by how much the
 *   same source already bends the branch's cause along prompt links (exam surge: searches ×1.6,
 *   requests ×1.5, so the search→request branch gets ×1.5/1.6); sources compose, and a
 *   deferred decision (a session's start at its slot) is never divided;
 * - outcome shares stay a distribution: siblings give way, a forced share holds (95% of
 *   gateway attempts fail, its ×6 on payment failures met by how many failures follow
 *   through), and a factor more than the outcomes can hold is normalized.
 * Decisions see only what was known when they were taken, so a factor on decisions taken
 * ahead (expirations, cancellations, approvals) shows later; see how-it-shows.ts.
 */
import type { ExternalEvent, FieldDomain, PayloadShift } from '@marketsim/shared-types'
import type { Ev } from '../sim/event.js'
import type { BranchPlan, FieldShift, Modifiers } from '../sim/engine.js'
import { conditionShare, type ChainRt, type Model } from '../sim/model.js'
import { BUCKET_MS, HOUR } from '../sim/time.js'
import { parseImpactDuration } from '@marketsim/shared-types'
import { matchesField } from '../config/conditions.js'
import type { Background, Impact } from './background.js'
import { impactFactor } from './background.js'
import type { CascadeRuleRt, Cascades } from './cascades.js'
import { blend, phaseAt, type ScenarioRun } from './lifecycle.js'

interface StreamMod {
  multiplier?: number
  additive?: number
  /** Forced share (0-1) of the stream's override outcome. */
  override?: number
  probabilityShift?: Map<number, number>
  payloadShift?: PayloadShift
}

export interface CompiledRun {
  run: ScenarioRun
  mods: Map<number, StreamMod>
  /** The scenario's external events, resolved to times. */
  events: ExternalEvent[]
  /** Their impacts on streams the scenario does not already modify (scaled by its phase). */
  impacts: Impact[]
}

/** Resolve a scenario event timestamp: "now", ISO or "+N unit" from the run's start. */
export function resolveEventTime(text: string, startMs: number, parseOffset: (s: string) => number | undefined): number {
  const s = text.trim()
  if (s === 'now') return startMs
  const offset = parseOffset(s)
  return offset !== undefined ? startMs + offset : Date.parse(s)
}

export class Effects implements Modifiers {
  readonly runs: CompiledRun[] = []
  /** Streams whose decisions show their effect at once (own arrivals, or causes within 2 h). */
  private readonly prompt: Uint8Array
  /** Streams with arrivals of their own that also follow other streams (a factor on them is met by the own arrivals). */
  private readonly partly: Uint8Array
  /** Streams with arrivals of their own: a random anomaly scales them exactly as drawn. */
  private readonly anomalous: Uint8Array
  /** The main cause of each derived stream (for how bent its input already is). */
  private readonly parent: Int32Array
  private readonly overrideBranch = new Map<number, string>()
  private readonly shiftedDomains = new Map<string, FieldDomain>()

  private readonly baseCache: Float64Array[]
  /** Per chain: the streams whose factors can bend it (targets, trigger, the trigger's causes). */
  private readonly relevant: number[][]

  constructor(
    private readonly model: Model,
    readonly background: Background | undefined,
    readonly cascades: Cascades,
    private readonly expectedPerHour: (stream: number, t: number) => number,
    private readonly originMs: number,
    /** A view of the world without its scenario runs: the cascade rules that still lift there. */
    private readonly cascadeRules?: (rule: CascadeRuleRt) => boolean,
  ) {
    const n = model.streams.length
    this.baseCache = Array.from({ length: n }, () => new Float64Array(1024).fill(Number.NaN))
    this.prompt = new Uint8Array(n)
    this.parent = new Int32Array(n).fill(-1)
    const inflow = new Float64Array(n)
    for (const s of model.streams) if (s.rootPerHour > 0) this.prompt[s.idx] = 1
    // Derived streams move with their causes; bending their branches could be capped (a branch
    // already at probability one cannot rise), so unexplained anomalies stay on own arrivals.
    this.anomalous = new Uint8Array(n)
    for (const s of model.streams) if (s.rootPerHour > 0) this.anomalous[s.idx] = 1
    const slow = new Uint8Array(n)
    for (const c of model.chains) {
      for (const b of c.branches) {
        if (b.target < 0) continue
        if (b.maxDelay > 2 * HOUR || b.anchor || c.deferred) slow[b.target] = 1
        const w = model.streams[c.trigger]!.def.eventsPerDay * b.p
        // A stream with arrivals of its own is bent at its own rate; only derived streams follow a cause.
        if (model.streams[b.target]!.rootPerHour === 0 && w > inflow[b.target]!) {
          inflow[b.target] = w
          this.parent[b.target] = c.trigger
        }
      }
    }
    for (let i = 0; i < n; i++) if (!this.prompt[i] && !slow[i] && this.parent[i]! >= 0) this.prompt[i] = 1
    this.partly = new Uint8Array(n)
    for (const c of model.chains) {
      for (const b of c.branches) {
        for (const x of b.then ? b.then.branches : [b]) if (x.target >= 0 && model.streams[x.target]!.rootPerHour > 0) this.partly[x.target] = 1
      }
    }
    for (const s of model.streams) if (s.def.override) this.overrideBranch.set(s.idx, s.def.override.value)
    this.plainPlans = Array.from({ length: model.chains.length * 2 }, () => [])
    this.relevant = model.chains.map((c) => {
      const set = new Set(c.branches.filter((b) => b.target >= 0).map((b) => b.target))
      for (let s = c.trigger, depth = 0; s >= 0 && depth < 7; s = this.parent[s]!, depth++) set.add(s)
      return [...set]
    })
  }

  add(compiled: CompiledRun): void {
    this.runs.push(compiled)
    this.planCache.clear()
  }

  /** Cascade lifts moved (a stop): plans computed from them are stale. */
  private forgetPlans(): void {
    this.planCache.clear()
    for (const t of this.plainPlans) t.length = 0
  }

  clearRuns(): void {
    this.runs.length = 0
    this.cascades.dropScenarioRules()
    this.forgetPlans()
  }

  /** Whether effects on this stream show in the same 5-minute bucket they are applied in. */
  isPrompt(stream: number): boolean {
    return this.prompt[stream] === 1
  }

  /** Whether random anomalies strike this stream (those with arrivals of their own). */
  isAnomalous(stream: number): boolean {
    return this.anomalous[stream] === 1
  }

  /** A run's stop changes what its rules listen to and how it settles. */
  stopped(): void {
    this.cascades.invalidate()
    this.forgetPlans()
  }

  /** The combined factor declared on a stream at t (1 when nothing touches it). */
  declared(stream: number, t: number, knownAt: number): number {
    let f = this.stated(stream, t, knownAt)
    // Cascades react to what was observed: they bend decisions taken about now, not about
    // events decided far ahead (those were decided before any surge could be seen). A stream
    // a running scenario states a factor for follows that statement: its declared total wins.
    if (t - knownAt < BUCKET_MS && this.cascades.isTarget(stream) && !this.statedByRun(stream, t, knownAt)) f *= this.cascades.factor(stream, t, knownAt, this.cascadeRules)
    return f
  }

  /** What scenarios, their events, background events and anomalies state for a stream at t (no cascades). */
  stated(stream: number, t: number, knownAt: number): number {
    const f = this.basePart(stream, t)
    return this.runs.length > 0 ? f * this.scenarioPart(stream, t, knownAt) : f
  }

  private statedByRun(stream: number, t: number, knownAt: number): boolean {
    for (const c of this.runs) {
      if (c.run.knownAt > knownAt) continue
      const m = c.mods.get(stream)
      if ((m?.multiplier !== undefined || m?.additive !== undefined || m?.override !== undefined) && phaseAt(c.run, t, knownAt).strength > 0) return true
    }
    return false
  }

  /** Background impacts × random anomaly of a stream in the bucket of t (cached: they are fixed). */
  private basePart(stream: number, t: number): number {
    if (!this.background) return 1
    const b = Math.floor((t - this.originMs) / BUCKET_MS)
    if (b < 0) return 1
    let cache = this.baseCache[stream]!
    if (b >= cache.length) {
      let cap = cache.length * 2
      while (cap <= b) cap *= 2
      const grown = new Float64Array(cap).fill(Number.NaN)
      grown.set(cache)
      this.baseCache[stream] = cache = grown
    }
    let f = cache[b]!
    if (Number.isNaN(f)) {
      const at = this.originMs + b * BUCKET_MS
      f = this.background.impactFactorAt(stream, at) * (this.anomalous[stream] ? this.background.anomalyAt(stream, at) : 1)
      cache[b] = f
    }
    return f
  }

  private scenarioPart(stream: number, t: number, knownAt: number): number {
    let f = 1
    for (const c of this.runs) {
      if (c.run.knownAt > knownAt) continue
      const ph = phaseAt(c.run, t, knownAt)
      if (ph.strength <= 0) continue
      const m = c.mods.get(stream)
      if (m?.multiplier !== undefined) f *= blend(m.multiplier, ph.strength)
      for (const i of c.impacts) if (i.stream === stream && i.from <= t && t < i.to) f *= blend(i.factor, ph.strength)
    }
    return f
  }

  /** True when nothing can bend this chain's decision at t (the common case: skip the work). */
  private untouched(chain: ChainRt, t: number, knownAt: number): boolean {
    if (this.runs.length > 0) return false
    const near = t - knownAt < BUCKET_MS
    for (const s of this.relevant[chain.index]!) {
      if (this.basePart(s, t) !== 1) return false
      if (near && this.cascades.isTarget(s) && this.cascades.factor(s, t, knownAt, this.cascadeRules) !== 1) return false
    }
    return true
  }

  private additive(stream: number, t: number, knownAt: number): number {
    let a = 0
    for (const c of this.runs) {
      const m = c.mods.get(stream)
      if (m?.additive === undefined || c.run.knownAt > knownAt) continue
      a += m.additive * phaseAt(c.run, t, knownAt).strength
    }
    return a
  }

  /**
   * One source's factor on a stream: 0 background events and anomalies, 1 scenario runs (their
   * events included), 2 cascades (on decisions about now only, and silent where a run states
   * the stream). Sources compose: each states its factor relative to the world without it.
   */
  private part(source: number, stream: number, t: number, knownAt: number): number {
    if (source === 0) return this.basePart(stream, t)
    if (source === 1) return this.runs.length > 0 ? this.scenarioPart(stream, t, knownAt) : 1
    if (t - knownAt < BUCKET_MS && this.cascades.isTarget(stream) && !this.statedByRun(stream, t, knownAt)) return this.cascades.factor(stream, t, knownAt, this.cascadeRules)
    return 1
  }

  /**
   * How much one source already bends the events a decision at t is about: its factor on the
   * stream, else on the stream's cause, but only along prompt links (a cause within two
   * hours). What arrives now from decisions taken long ago was bent, if at all, back then.
   */
  private effective(source: number, stream: number, t: number, knownAt: number, depth = 0): number {
    const f = this.part(source, stream, t, knownAt)
    if (f !== 1 || depth > 6 || !this.prompt[stream]) return f
    const p = this.parent[stream]!
    return p >= 0 ? this.effective(source, p, t, knownAt, depth + 1) : 1
  }

  /**
   * The factor on a branch into a stream some source states a factor for: per stating source,
   * its factor over its own bend of the trigger (so the stream's count does what it states,
   * on top of what the other sources do), nothing for a deferred decision's trigger (its
   * sessions were confirmed long before). `own` gives the stated factor the followers carry
   * (for a partly-derived stream: 1, its own arrivals carry the rest).
   */
  private branchFactor(chain: ChainRt, target: number, t: number, knownAt: number, condition: number, own: (source: number, f: number) => number): number {
    let g = 1
    for (let source = 0; source < 3; source++) {
      const d = this.part(source, target, t, knownAt)
      if (d === 1) continue
      const eff = chain.deferred ? 1 : this.effective(source, chain.trigger, t, knownAt)
      // A scenario's payload shift that makes a condition likelier (more low ratings) already grows the branch.
      g *= own(source, d) / (eff * (source === 1 ? condition : 1))
    }
    return g
  }

  /**
   * The multiplier on a stream's own arrivals at t. A factor is about the whole stream: on a
   * stream that also has followers of other streams (tickets: 41% raised by customers, the rest
   * by failed payments, no-shows, low ratings) the own arrivals make up the difference, so the
   * whole count does what is declared, when it is declared. Where a statement holds, the
   * followers stay at their baseline (computePlan); a cascade lifts on top of them.
   */
  rateFactor(stream: number, t: number): number {
    let f = this.declared(stream, t, t)
    const a = this.additive(stream, t, t)
    if (a !== 0) f += a / Math.max(1e-9, this.expectedPerHour(stream, t))
    if (f !== 1 && this.partly[stream]) f = 1 + (f - 1) / this.ownShare(stream, t)
    return Math.max(0, f)
  }

  /** Share of a stream's expected count at t that is its own arrivals (the rest follow other streams). */
  private ownShare(stream: number, t: number): number {
    // Over the whole hour holding t: the calendar's rate is fixed within it, the expectation's too.
    const hour = Math.floor(t / HOUR) * HOUR
    const s = this.model.streams[stream]!
    const ctx = this.model.calendar.context(hour)
    const own = s.rootPerHour * s.shape.hourly[ctx.hour]! * (ctx.weekend ? s.shape.weekendFactor : 1) * ctx.dayFactor
    return Math.min(1, Math.max(0.05, own / Math.max(1e-9, this.expectedPerHour(stream, hour))))
  }

  /**
   * What followers of a partly-derived stream carry of a stated factor: nothing (their own
   * arrivals carry it), unless the own arrivals cannot go low enough alone. Cascades lift the
   * own arrivals on top of the followers.
   */
  private followerShare(stream: number, t: number, source: number, f: number): number {
    if (source === 2) return 1
    const own = this.ownShare(stream, t)
    return f < 1 - own ? f / (1 - own) : 1
  }

  /**
   * Plans are fixed per chain, 5-minute bucket, proximity of the decision and what is known:
   * computed once, then looked up (most chains fire thousands of times per bucket).
   */
  branchPlan(chain: ChainRt, t: number, knownAt: number): BranchPlan | undefined {
    const bucket = Math.floor((t - this.originMs) / BUCKET_MS)
    const near = t - knownAt < BUCKET_MS ? 1 : 0
    if (this.runs.length === 0 && bucket >= 0) {
      // The common case, no scenario: a plain array per chain and proximity, indexed by bucket.
      const table = this.plainPlans[chain.index * 2 + near]!
      const hit = table[bucket]
      if (hit !== undefined) return hit ?? undefined
      const at = near ? t : this.originMs + bucket * BUCKET_MS
      const plan = this.untouched(chain, at, knownAt) ? undefined : this.computePlan(chain, at, knownAt)
      table[bucket] = plan ?? null
      return plan
    }
    const key = ((chain.index * 4_000_000 + bucket) * 2 + near) * 64 + this.epoch(knownAt)
    const hit = this.planCache.get(key)
    if (hit !== undefined) return hit ?? undefined
    const at = near ? t : this.originMs + bucket * BUCKET_MS
    const plan = this.untouched(chain, at, knownAt) ? undefined : this.computePlan(chain, at, knownAt)
    if (this.planCache.size > 500_000) this.planCache.clear()
    this.planCache.set(key, plan ?? null)
    return plan
  }

  /** A plan as branchPlan would compute it, kept nowhere (for the ground truth's passes). */
  planFor(chain: ChainRt, t: number, knownAt: number): BranchPlan | undefined {
    return this.untouched(chain, t, knownAt) ? undefined : this.computePlan(chain, t, knownAt)
  }

  /**
   * The same world without its scenario runs: background events, anomalies, and the always-on
   * cascades whose triggers no run can reach. Randomness is keyed per stream, so those
   * triggers, and the lifts they set off, are the same with the runs or without them; what the
   * others lift is the runs' doing.
   */
  withoutRuns(): Effects {
    const reached = this.reach()
    return new Effects(this.model, this.background, this.cascades, this.expectedPerHour, this.originMs, (r) => !r.run && !reached.has(r.trigger))
  }

  /** Every stream the runs can move: what they bend, and everything downstream by chains and cascades. */
  reach(): Set<number> {
    const out = new Set<number>()
    const todo: number[] = []
    for (const c of this.runs) {
      for (const [s, m] of c.mods) todo.push(s, ...(m.probabilityShift?.keys() ?? []))
      for (const i of c.impacts) todo.push(i.stream)
    }
    while (todo.length) {
      const s = todo.pop()!
      if (out.has(s)) continue
      out.add(s)
      for (const chain of this.model.chains) {
        if (chain.trigger !== s) continue
        for (const b of chain.branches) {
          if (b.target >= 0) todo.push(b.target)
          for (const d of b.then?.branches ?? []) if (d.target >= 0) todo.push(d.target)
        }
      }
      for (const r of this.cascades.rules) if (r.trigger === s) todo.push(r.target)
    }
    return out
  }

  private readonly planCache = new Map<number, BranchPlan | null>()
  private readonly plainPlans: Array<Array<BranchPlan | null | undefined>>

  /** What is known at k: how many runs had been activated, and stops pressed, by then. */
  private epoch(k: number): number {
    let e = 0
    for (const c of this.runs) {
      if (c.run.knownAt <= k) e++
      if (c.run.stoppedAt !== undefined && c.run.stoppedAt <= k) e++
    }
    return Math.min(63, e)
  }

  private computePlan(chain: ChainRt, t: number, knownAt: number): BranchPlan | undefined {
    const branches = chain.branches
    const base = branches.map((b) => b.p)
    const p = base.slice()
    let follow: number[] | undefined
    let changed = false
    const modified = new Array<boolean>(branches.length).fill(false)

    // An override on the trigger sets the share of its override outcome.
    const forced = this.overrideShare(chain, t, knownAt)
    branches.forEach((b, i) => {
      if (forced && b.value === forced.value) {
        p[i] = forced.share
        modified[i] = changed = true
      }
    })
    branches.forEach((b, i) => {
      const shift = this.probabilityShift(chain.trigger, b.target, t, knownAt)
      if (shift !== 0) {
        p[i] = Math.min(1, Math.max(0, p[i]! + shift))
        modified[i] = changed = true
      }
      if (b.target < 0) return
      const condition = b.condition ? this.conditionGrowth(chain.trigger, b.condition, t, knownAt) : 1
      if (this.partly[b.target]) {
        // The own arrivals carry the stated factor; followers stay as the rest of the world makes them.
        const g = this.branchFactor(chain, b.target, t, knownAt, condition, (source, f) => this.followerShare(b.target, t, source, f))
        if (g === 1) return
        p[i] = p[i]! * g
        modified[i] = changed = true
        return
      }
      const d = this.declared(b.target, t, knownAt)
      if (d === 1) return
      if (modified[i] && forced && b.value === forced.value) {
        // The outcome share is forced; the declared factor is met by how many follow through.
        follow ??= new Array<number>(branches.length).fill(1)
        follow[i] = Math.min(1, (d * base[i]!) / Math.max(1e-9, p[i]!))
        return
      }
      p[i] = p[i]! * this.branchFactor(chain, b.target, t, knownAt, condition, (_, f) => f)
      modified[i] = changed = true
    })
    if (!changed) return undefined
    if (chain.outcome) {
      // Siblings give way so outcomes still add up to one.
      let fixed = 0
      let free = 0
      branches.forEach((_, i) => (modified[i] ? (fixed += p[i]!) : (free += base[i]!)))
      const pinned = forced ? branches.findIndex((b) => b.value === forced.value) : -1
      if (pinned >= 0 && fixed > 1) {
        // A forced share holds (95% of attempts fail); the other outcomes share the rest by weight.
        const rest = branches.reduce((a, _, i) => a + (i === pinned ? 0 : modified[i] ? p[i]! : base[i]!), 0)
        branches.forEach((_, i) => {
          if (i !== pinned) p[i] = (((modified[i] ? p[i]! : base[i]!) / Math.max(1e-12, rest)) * (1 - p[pinned]!))
        })
      } else if (fixed > 1) {
        // More than the outcomes can hold (success ×1.3 where 93% already succeed): every outcome
        // keeps its weight and the whole is normalized, so no sibling vanishes.
        const total = fixed + free
        branches.forEach((_, i) => (p[i] = (modified[i] ? p[i]! : base[i]!) / total))
      } else if (free > 0) {
        const scale = (1 - fixed) / free
        branches.forEach((_, i) => {
          if (!modified[i]) p[i] = base[i]! * scale
        })
      }
    } else {
      for (let i = 0; i < p.length; i++) p[i] = Math.min(1, p[i]!)
    }
    return { p, follow }
  }

  /** How much likelier a branch's condition is now than in the baseline (a payload shift on its field). */
  conditionGrowth(trigger: number, condition: NonNullable<ChainRt['branches'][number]['condition']>, t: number, knownAt: number): number {
    const field = condition[0]!.field
    const shift = this.fieldShift(trigger, field, t, knownAt)
    if (!shift || !('weights' in shift)) return 1
    const domain = this.model.streams[trigger]!.def.payload[field]
    if (!domain || domain.type !== 'enum') return 1
    const base = conditionShare(domain, condition)
    const shifted = conditionShare({ ...domain, weights: domain.values.map((v) => shift.weights[String(v)] ?? 0) }, condition)
    const now = base + (shifted - base) * shift.strength
    return base > 0 ? now / base : 1
  }

  private overrideShare(chain: ChainRt, t: number, knownAt: number): { value: string; share: number } | undefined {
    const value = this.overrideBranch.get(chain.trigger)
    if (value === undefined || !chain.outcomeField) return undefined
    for (const c of this.runs) {
      const m = c.mods.get(chain.trigger)
      if (m?.override === undefined || c.run.knownAt > knownAt) continue
      const ph = phaseAt(c.run, t, knownAt)
      if (ph.strength <= 0) continue
      const baseShare = chain.branches.find((b) => b.value === value)?.p ?? 0
      return { value, share: baseShare + (m.override - baseShare) * ph.strength }
    }
    return undefined
  }

  private probabilityShift(trigger: number, target: number, t: number, knownAt: number): number {
    let shift = 0
    for (const c of this.runs) {
      const delta = c.mods.get(trigger)?.probabilityShift?.get(target)
      if (delta === undefined || c.run.knownAt > knownAt) continue
      shift += delta * phaseAt(c.run, t, knownAt).strength
    }
    return shift
  }

  fieldShift(stream: number, field: string, t: number, knownAt: number): FieldShift | undefined {
    for (const c of this.runs) {
      const shift = c.mods.get(stream)?.payloadShift?.[field]
      if (!shift || c.run.knownAt > knownAt) continue
      const strength = phaseAt(c.run, t, knownAt).strength
      if (strength <= 0) continue
      return 'weights' in shift ? { weights: shift.weights, strength } : { scale: shift.scale, strength }
    }
    return undefined
  }

  /** Whole payload shifts of a stream in force at t (for the fields nobody causal reads). */
  payloadShift(stream: number, t: number): { shift: PayloadShift; strength: number; key: string } | undefined {
    for (const c of this.runs) {
      const shift = c.mods.get(stream)?.payloadShift
      if (!shift) continue
      const strength = phaseAt(c.run, t).strength
      if (strength > 0) return { shift, strength, key: `${c.run.id}:${stream}` }
    }
    return undefined
  }

  /** Record a decided event into the cascade ledgers of its stream. */
  record(ev: Ev, field: ((ev: Ev, name: string) => unknown) | undefined): void {
    const ledgers = this.cascades.byTrigger[ev.s]
    if (!ledgers) return
    for (const l of ledgers) {
      if (l.comparisons) {
        const name = l.comparisons[0]!.field
        if (!matchesField(l.comparisons, name, field?.(ev, name))) continue
      }
      if (l.atLeast !== undefined && !((field?.(ev, 'calls_in_14_days') as number) >= l.atLeast)) continue
      l.add(this.cascades.bucketOf(ev.t))
    }
  }

  /** Events of the scenario runs that have happened by t (future-dated ones appear when due). */
  visibleEvents(t: number): ExternalEvent[] {
    return this.runs.flatMap((c) => c.events.filter((e) => Date.parse(e.timestamp) <= t))
  }

  /** Compile a scenario run: modifications by stream index, events resolved, impacts. */
  static compile(model: Model, run: ScenarioRun, parseOffset: (s: string) => number | undefined): CompiledRun {
    const mods = new Map<number, StreamMod>()
    for (const [name, m] of Object.entries(run.def.affectedStreams)) {
      const i = model.index.get(name)!
      mods.set(i, {
        multiplier: m.multiplier,
        additive: m.additive,
        override: typeof m.override === 'number' ? m.override / 100 : undefined,
        probabilityShift: m.probabilityShift ? new Map(Object.entries(m.probabilityShift).map(([k, v]) => [model.index.get(k)!, v])) : undefined,
        payloadShift: m.payloadShift,
      })
    }
    const events: ExternalEvent[] = []
    const impacts: Impact[] = []
    for (const e of run.def.externalEvents) {
      const at = resolveEventTime(e.timestamp, run.startMs, parseOffset)
      const ev: ExternalEvent = { ...e, timestamp: new Date(at).toISOString().replace('.000Z', 'Z'), injectedByAI: e.injectedByAI ?? false }
      events.push(ev)
      const lasts = parseImpactDuration(e.expectedImpact.duration)
      for (const name of e.expectedImpact.streams) {
        const stream = model.index.get(name)!
        if (mods.has(stream)) continue // the scenario's own modifier already says what happens there
        const factor = impactFactor(model, e.expectedImpact.direction, e.expectedImpact.magnitude)
        if (factor !== 1) impacts.push({ stream, from: at, to: at + lasts, factor, cause: { kind: 'external', id: e.id, name: e.title } })
      }
    }
    return { run, mods, events, impacts }
  }
}
