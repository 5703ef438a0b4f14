/**
 * Turns a simulated event into the StreamEvent a client sees. Free fields come from the
 * catalog's value domains (payload.ts, drawn from a generator seeded by the event's seq, so a
 * payload never disturbs the causal run); fields that name entities or carry causal values
 * come from the event itself: the student who searched is the student who books.
 */
import type { FieldDomain, PayloadShift, StreamEvent } from '@marketsim/shared-types'
import type { Ev } from './event.js'
import { entityId } from './ids.js'
import type { Model, StreamRt } from './model.js'
import { compilePayload, formatDate, formatIso, type PayloadGenerator } from './payload.js'
import { NONE, TUTOR_STATUSES, type Population } from './processes.js'
import { Rng, hash32 } from './rng.js'
import { DAY, HOUR, MINUTE } from './time.js'

type Data = Record<string, unknown>

/** Ids minted for counted-only events live above the engine's counters. */
const OWN_IDS = 2 ** 31
type Finisher = (data: Data, ev: Ev, rng: Rng) => void

interface Compiled {
  generate: PayloadGenerator
  /** Fields bound to the event's entities: [field, prefix, source]. */
  ids: Array<[string, string, 'st' | 'tu' | 'id' | 'y', boolean]>
  /** Enum fields a cause's label (ev.v) may set. */
  labelled: Array<[string, Set<string>, readonly (string | number)[]]>
  subjectField?: string
  finish?: Finisher
}

const PLAN_UP: Record<string, string> = { basic_monthly: 'premium_monthly', basic_yearly: 'premium_yearly' }
const PLAN_DOWN: Record<string, string> = { premium_monthly: 'basic_monthly', premium_yearly: 'basic_yearly' }
const PLAN_SIDE: Record<string, string> = {
  basic_monthly: 'basic_yearly',
  basic_yearly: 'basic_monthly',
  premium_monthly: 'premium_yearly',
  premium_yearly: 'premium_monthly',
}

export class Materializer {
  private readonly compiled: Compiled[]

  constructor(
    private readonly model: Model,
    private readonly seed: number,
    private readonly subjects: readonly string[],
    private readonly population: Population,
  ) {
    this.compiled = model.streams.map((s) => this.compile(s))
  }

  private compile(s: StreamRt): Compiled {
    const ids: Compiled['ids'] = []
    const labelled: Compiled['labelled'] = []
    let subjectField: string | undefined
    for (const [field, d] of Object.entries(s.def.payload) as Array<[string, FieldDomain]>) {
      if (d.type === 'id') {
        const source = d.prefix === 'student_' ? 'st' : d.prefix === 'tutor_' ? 'tu' : d.prefix === 'refund_' ? 'y' : 'id'
        ids.push([field, d.prefix, source, d.optional !== undefined])
      } else if (d.type === 'enum') {
        if (field === 'subject') subjectField = field
        else labelled.push([field, new Set(d.values.map(String)), d.values])
      }
    }
    return { generate: compilePayload(s.def.payload), ids, labelled, subjectField, finish: FINISHERS[s.name] }
  }

  /** Where a scenario's payload shifts come from (fields no causal process draws). */
  shifts: ((stream: number, t: number) => { shift: PayloadShift; strength: number; key: string } | undefined) | undefined
  private readonly shiftedGenerators = new Map<string, PayloadGenerator>()

  /** The client-facing event (normalization is added by the caller). */
  toStreamEvent(ev: Ev, seq: number): StreamEvent {
    const c = this.compiled[ev.s]!
    const rng = new Rng(hash32(this.seed, 'payload', seq))
    let generate = c.generate
    const shifted = this.shifts?.(ev.s, ev.t)
    if (shifted && rng.next() < shifted.strength) {
      let g = this.shiftedGenerators.get(shifted.key)
      if (!g) this.shiftedGenerators.set(shifted.key, (g = compilePayload(this.model.streams[ev.s]!.def.payload, shifted.shift)))
      generate = g
    }
    const data = generate(rng, ev.t)
    for (const [field, prefix, source, optional] of c.ids) {
      let n = ev[source]
      if (n === NONE) {
        delete data[field] // an anonymous caller, a refund with no session
        continue
      }
      if (n < 0 && optional && !(field in data)) continue
      // Who a counted-only event concerns does not matter to the world: a real student or
      // active tutor of the population, or an id of its own, drawn here.
      if (n < 0) {
        const pop = this.population
        // Only what is fixed by time t is read (who existed then), never state the world may
        // already have moved past within the current tick: showing stays deterministic.
        n = source === 'st' ? rng.int(pop.studentsAt(ev.t)) : source === 'tu' ? rng.int(pop.tutorsAt(ev.t)) : OWN_IDS + seq
      }
      data[field] = entityId(prefix, n, this.seed)
    }
    if (ev.v !== undefined) {
      for (const [field, values, raw] of c.labelled) {
        if (values.has(ev.v)) data[field] = raw.find((x) => String(x) === ev.v)
      }
    }
    if (c.subjectField && ev.sub >= 0) data[c.subjectField] = this.subjects[ev.sub]
    c.finish?.(data, ev, rng)
    return { stream: this.model.streams[ev.s]!.name, timestamp: new Date(ev.t).toISOString(), data, seq }
  }
}

const iso = (t: number) => formatIso(t)

/** Next quarter-hour slot between 08:00 and 19:45 (UTC-based marketplace day) from t. */
function upcomingSlot(t: number, rng: Rng, maxDays: number): number {
  const day = Math.floor(t / DAY) + rng.int(maxDays + 1)
  let slot = day * DAY + 8 * HOUR + rng.int(48) * 15 * MINUTE
  if (slot <= t) slot += DAY
  return slot
}

/** Stream-specific touches: times that relate to the event, values that follow causal ones. */
const FINISHERS: Record<string, Finisher> = {
  'customer.tutor.search': (d, ev, rng) => {
    const start = upcomingSlot(ev.t, rng, 1)
    d.availability_start = iso(start)
    d.availability_end = iso(start + rng.between(1, 3) * HOUR)
  },
  'session.booking.requested': (d, ev) => void (d.requested_time = iso(ev.x)),
  'session.booking.confirmed': (d, ev) => void (d.scheduled_time = iso(ev.x)),
  'session.no_show.student': (d, ev) => void (d.scheduled_time = iso(ev.x)),
  'session.no_show.tutor': (d, ev) => void (d.scheduled_time = iso(ev.x)),
  'session.started': (d, ev, rng) => {
    d.student_join_time = iso(ev.t - rng.int(4 * 60) * 1000)
    d.tutor_join_time = iso(ev.t - rng.int(2 * 60) * 1000)
  },
  'session.completed': (d, ev) => void (d.duration_minutes = ev.y),
  'session.rating.submitted_by_student': (d, ev) => void (d.rating_score = ev.y),
  'support.ticket.resolved': (d, ev) => void (d.resolution_time_hours = Math.round(ev.y * 10) / 10),
  'tutor.payout.initiated': (d, ev, rng) => {
    d.session_count = ev.y
    d.amount_usd = Math.round(Math.min(1099, Math.max(100, ev.y * rng.uniform(28, 42))))
  },
  'tutor.status.changed': (d, ev) => {
    d.old_status = TUTOR_STATUSES[ev.y]
    d.new_status = ev.v
  },
  'tutor.availability.set': (d, ev, rng) => {
    const start = upcomingSlot(ev.t, rng, 6)
    d.block_start = iso(start)
    d.block_end = iso(start + rng.between(1, 3) * HOUR)
  },
  'tutor.availability.batch_updated': (d, _ev, rng) => {
    const template: Record<string, Array<{ start: string; end: string }>> = {}
    const from = 12 + rng.int(5)
    for (const day of ['monday', 'tuesday', 'wednesday', 'thursday', 'friday']) {
      if (rng.chance(0.85)) template[day] = [{ start: `${from}:00`, end: `${from + 2 + rng.int(3)}:00` }]
    }
    if (rng.chance(0.3)) template.saturday = [{ start: '10:00', end: '14:00' }]
    d.template = template
  },
  'customer.subscription.payment_success': (d, ev) => void (d.next_billing_date = formatDate(ev.t + 30 * DAY)),
  'customer.subscription.plan_changed': (d, _ev, rng) => {
    const type = String(d.event_type)
    const table = type === 'upgrade' ? PLAN_UP : type === 'downgrade' ? PLAN_DOWN : PLAN_SIDE
    const olds = Object.keys(table)
    const old = olds[rng.int(olds.length)]!
    d.old_plan_id = old
    d.new_plan_id = table[old]
  },
  'platform.concurrent.users': (d, ev, rng) => {
    d.active_student_count = ev.y
    d.active_tutor_count = Math.max(100, Math.round(ev.y / rng.uniform(4.5, 7)))
  },
}
