/**
 * The world definition compiled for the engine: streams by index, chains with parsed delays
 * and conditions, calendar shapes, and each stream's root rate — the part of its weekday
 * volume that is not already caused by another stream through a chain.
 */
import type { ChainBranch, FieldDomain, StreamDef } from '@marketsim/shared-types'
import type { WorldConfig } from '../config/load.js'
import { holds, parseCondition, type Comparison } from '../config/conditions.js'
import { parseDelay } from '@marketsim/shared-types'
import { Calendar, type StreamShape } from './calendar.js'

export type Anchor = NonNullable<ChainBranch['anchor']>

export interface BranchRt {
  /** Target stream index, or -1 for a branch that produces nothing. */
  target: number
  p: number
  minDelay: number
  maxDelay: number
  anchor?: Anchor
  countMin: number
  countMax: number
  condition?: Comparison[]
  /** The condition compiled to a test of the field's value (no object per check). */
  test?: (value: unknown) => boolean
  value?: string
  label?: string
  /** A deferred chain decided when this branch comes due (the branch itself produces no event). */
  then?: ChainRt
}

export interface ChainRt {
  /** Position in Model.chains. */
  index: number
  id: string
  trigger: number
  outcome: boolean
  /** Fired by another chain's `then` branch at that branch's time, not by the trigger. */
  deferred: boolean
  outcomeField?: string
  branches: BranchRt[]
}

export interface StreamRt {
  idx: number
  name: string
  def: StreamDef
  shape: StreamShape
  /** Weekday events per hour that arrive on their own (not through a chain), before calendar shaping. */
  rootPerHour: number
  /** Chains this stream triggers. */
  chains: ChainRt[]
  /** Payload fields that chains or cascades read, so the causal process must draw them. */
  causalFields: Set<string>
}

export interface Model {
  world: WorldConfig
  calendar: Calendar
  streams: StreamRt[]
  index: ReadonlyMap<string, number>
  chains: ChainRt[]
  /** Streams observed by the share of one outcome (see shareMeasures). */
  shares: ShareMeasureRt[]
}

function compileTest(comparisons: Comparison[]): (value: unknown) => boolean {
  // Every comparison reads the one value asked about (the chain's condition field).
  return (value) => {
    if (value === undefined) return false
    for (const c of comparisons) if (holds(c.op, value as string | number, c.value)) return true
    return false
  }
}

/** Probability that a payload drawn from `domain` satisfies any of the comparisons. */
export function conditionShare(domain: FieldDomain | undefined, comparisons: Comparison[]): number {
  if (!domain || domain.type !== 'enum') return 1
  const weights = domain.weights ?? domain.values.map(() => 1)
  const total = weights.reduce((a, b) => a + b, 0)
  let hit = 0
  domain.values.forEach((v, i) => {
    const probe = { [comparisons[0]!.field]: v }
    if (comparisons.some((c) => matches(c, probe))) hit += weights[i]!
  })
  return hit / total
}

function matches(c: Comparison, data: Record<string, unknown>): boolean {
  return holds(c.op, data[c.field] as string | number, c.value)
}

export function compileModel(world: WorldConfig, referenceMs: number): Model {
  const calendar = new Calendar(world.calendar, referenceMs)
  const index = new Map(world.streams.streams.map((s, i) => [s.name, i]))
  const streams: StreamRt[] = world.streams.streams.map((def, idx) => ({
    idx,
    name: def.name,
    def,
    shape: calendar.shapeOf(def),
    rootPerHour: 0,
    chains: [],
    causalFields: new Set<string>(),
  }))

  const chains: ChainRt[] = world.relationships.chains.map((c, chainIndex) => {
    const trigger = index.get(c.trigger)!
    const rt: ChainRt = {
      index: chainIndex,
      id: c.id,
      trigger,
      outcome: c.mode === 'outcome',
      deferred: c.deferred === true,
      outcomeField: c.outcomeField,
      branches: c.branches.map((b) => {
        const d = b.delay ? parseDelay(b.delay) : { minMs: 0, maxMs: 0 }
        const cond = b.condition ? parseCondition(b.condition) : undefined
        if (cond && cond.kind !== 'any-of') throw new Error(`chain ${c.id}: count conditions belong to cascades`)
        return {
          target: b.stream === null ? -1 : index.get(b.stream)!,
          p: b.probability,
          minDelay: d.minMs,
          maxDelay: d.maxMs,
          anchor: b.anchor,
          countMin: b.count?.[0] ?? 1,
          countMax: b.count?.[1] ?? 1,
          condition: cond?.comparisons,
          test: cond ? compileTest(cond.comparisons) : undefined,
          value: b.value,
          label: b.label,
          then: undefined, // linked below; present from the start so every branch has one shape
        }
      }),
    }
    if (!rt.deferred) streams[trigger]!.chains.push(rt)
    if (rt.outcomeField) streams[trigger]!.causalFields.add(rt.outcomeField)
    for (const b of rt.branches) for (const cmp of b.condition ?? []) streams[trigger]!.causalFields.add(cmp.field)
    return rt
  })

  const byId = new Map(chains.map((c) => [c.id, c]))
  world.relationships.chains.forEach((c, i) =>
    c.branches.forEach((b, j) => {
      if (b.then) chains[i]!.branches[j]!.then = byId.get(b.then)
    }),
  )

  // Root rate = catalog volume minus what chains already bring in (at catalog volumes).
  const inflow = new Float64Array(streams.length)
  const addInflow = (chain: ChainRt, rate: number) => {
    const trig = streams[chain.trigger]!
    for (const b of chain.branches) {
      if (b.then) addInflow(b.then, rate * b.p)
      if (b.target < 0 || b.anchor === 'weekly_payout') continue
      const share = b.condition ? conditionShare(trig.def.payload[b.condition[0]!.field], b.condition) : 1
      inflow[b.target]! += rate * b.p * share * ((b.countMin + b.countMax) / 2)
    }
  }
  for (const chain of chains) if (!chain.deferred) addInflow(chain, streams[chain.trigger]!.def.eventsPerDay)
  const batched = new Set(chains.flatMap((c) => c.branches.filter((b) => b.anchor === 'weekly_payout').map((b) => b.target)))
  for (const s of streams) {
    if (batched.has(s.idx)) continue // produced by the weekly batch, never on its own
    const own = s.def.eventsPerDay - inflow[s.idx]!
    // Within 2% the catalog figure is the chain's own output (rounding), not a separate source.
    s.rootPerHour = own > 0.02 * s.def.eventsPerDay ? own / 24 : 0
  }
  const model: Model = { world, calendar, streams, index, chains, shares: [] }
  model.shares = shareMeasures(model)
  return model
}

/** A stream whose meaning is a mix of outcomes, observed by the share of one of them. */
export interface ShareMeasureRt {
  stream: number
  field: string
  value: string
  /** The baseline share: the outcome's branch probability. */
  expected: number
}

/**
 * Share measures: a stream with an `override` (the outcome a scenario sets the share of) whose
 * own outcome chain draws that field. The gateway's failed share is one: an outage changes the
 * mix, not the number of attempts.
 */
function shareMeasures(model: Pick<Model, 'streams'>): ShareMeasureRt[] {
  const out: ShareMeasureRt[] = []
  for (const s of model.streams) {
    const o = s.def.override
    if (!o) continue
    const chain = s.chains.find((c) => c.outcome && c.outcomeField === o.field)
    const branch = chain?.branches.find((b) => b.value === o.value)
    if (chain && branch) out.push({ stream: s.idx, field: o.field, value: o.value, expected: branch.p / chain.branches.reduce((a, b) => a + b.p, 0) })
  }
  return out
}
