/**
 * What each stream does to the entities of the world: who searches, which tutor a request
 * names, when a requested session is scheduled, how long a ticket takes, which tutors are paid
 * on Friday. The chains in config/relationships.json decide *whether* and *when* a follow-up
 * happens; these handlers decide *who* it concerns, so identifiers flow through the chains.
 */
import type { FieldDomain } from '@marketsim/shared-types'
import type { Ev } from './event.js'
import type { BranchRt, Model } from './model.js'
import type { KeyedDraws, Rng } from './rng.js'
import type { FieldShift } from './engine.js'
import { DAY, HOUR, MINUTE } from './time.js'

export const TUTOR_STATUSES = ['active', 'paused', 'inactive', 'on_vacation'] as const

/** An entity reference that is deliberately absent (an anonymous caller), unlike -1 (not decided here). */
export const NONE = -2

/** Hours to resolve a ticket: log-normal with this median and p90, within [min, max]. */
export const TICKET_RESOLUTION_HOURS = { median: 4, p90: 12, min: 1, max: 24, mean: 6 }

/** A request is answered at least this long before the session it asks for. */
export const ANSWER_MARGIN = 30 * MINUTE

/** The mutable population of the world. */
export class Population {
  students: number
  tutors: number
  tutorStatus: Uint8Array
  private readonly counters = new Map<string, { n: number }>()

  /** Creation times of students and tutors added during the run (in time order). */
  private readonly studentTimes: number[] = []
  private readonly tutorTimes: number[] = []
  private readonly initialStudents: number
  private readonly initialTutors: number

  constructor(students: number, tutors: number, rng: Rng) {
    this.students = students
    this.tutors = tutors
    this.initialStudents = students
    this.initialTutors = tutors
    this.tutorStatus = new Uint8Array(Math.max(1024, tutors * 2))
    // At any time about one tutor in ten is paused, inactive or on vacation.
    for (let i = 0; i < tutors; i++) if (rng.chance(0.1)) this.tutorStatus[i] = 1 + rng.int(TUTOR_STATUSES.length - 1)
  }

  next(kind: string): number {
    return this.counter(kind).n++
  }

  /** The numbering of one kind, for handlers that mint millions of ids (no lookup per id). */
  counter(kind: string): { n: number } {
    let c = this.counters.get(kind)
    if (!c) this.counters.set(kind, (c = { n: 0 }))
    return c
  }

  private readonly calls = new Map<number, number[]>()

  /** Record a customer's call; returns how many calls they made within `windowMs`, this one included. */
  recordCall(student: number, t: number, windowMs: number): number {
    const recent = (this.calls.get(student) ?? []).filter((x) => t - x <= windowMs)
    recent.push(t)
    this.calls.set(student, recent)
    if (this.calls.size > 50_000) for (const [k, v] of this.calls) if (t - v[v.length - 1]! > windowMs) this.calls.delete(k)
    return recent.length
  }

  addStudent(t: number): number {
    this.studentTimes.push(t)
    return this.students++
  }

  /** How many students existed at t (the world may already have run a little past it). */
  studentsAt(t: number): number {
    return this.initialStudents + countUpTo(this.studentTimes, t)
  }

  /** How many tutors were approved by t. */
  tutorsAt(t: number): number {
    return this.initialTutors + countUpTo(this.tutorTimes, t)
  }

  addTutor(t: number): number {
    this.tutorTimes.push(t)
    if (this.tutors >= this.tutorStatus.length) {
      const grown = new Uint8Array(this.tutorStatus.length * 2)
      grown.set(this.tutorStatus)
      this.tutorStatus = grown
    }
    return this.tutors++
  }

  /**
   * A random tutor who is taking bookings (rejection sampling: most tutors are active). One
   * draw whatever the tutors' statuses, so they never shift the caller's other draws.
   */
  activeTutor(rng: Rng): number {
    let x = rng.u32()
    let tu = x % this.tutors
    for (let i = 0; i < 32 && this.tutorStatus[tu] !== 0; i++) {
      x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d)
      x = Math.imul(x ^ (x >>> 12), 0x297a2d39)
      x ^= x >>> 15
      tu = (x >>> 0) % this.tutors
    }
    return tu
  }
}

/**
 * Handlers only touch what the world's causality needs. A stream that only counts (page
 * views, logins, availability blocks …) has no handler: its identities are drawn when it is
 * shown, from the payload's own generator, so showing it never changes the world.
 */
/** How many of the ascending times are ≤ t. */
function countUpTo(times: number[], t: number): number {
  let lo = 0
  let hi = times.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (times[mid]! <= t) lo = mid + 1
    else hi = mid
  }
  return lo
}

export interface Handler {
  /** A root arrival: fill in its entities. */
  root?(ev: Ev): void
  /** A follow-up created by `branch` of `parent`'s chain. */
  child?(ev: Ev, parent: Ev, branch: BranchRt): void
  /** At its time, before its chains fire: draw causal fields, update the world. */
  process?(ev: Ev): void
  /**
   * True when `process` changes the world others read (the tutor pool, a tutor's status, a
   * payout ledger being settled): such events are always handled at their own time. All other
   * history events may be handled as soon as their cause is, which is much cheaper.
   */
  timeSensitive?: boolean
  /** The value of a causal payload field (for chain conditions). */
  field?(ev: Ev, name: string): unknown
  /** Overrides the branch's delay (ms after the parent) for special timing. */
  delay?(parent: Ev, branch: BranchRt): number
}

export interface ProcessContext {
  model: Model
  /** Handlers draw from `draws.current`: the generator of the stream being handled. */
  draws: KeyedDraws
  pop: Population
  subjects: readonly string[]
  /** Week index (of the Friday that pays) → tutor → completed sessions in that week. */
  payouts: PayoutBook
  /** A scenario's bend of a causal payload field at t, if any. */
  fieldShift: (stream: number, field: string, t: number) => FieldShift | undefined
}

/** Local Friday-to-Friday payout periods; a tutor's first completion of a period books a payout. */
export class PayoutBook {
  /** Friday (local day index) → completed sessions per tutor in the week it pays for. */
  readonly weeks = new Map<number, Int32Array>()

  /** The Friday 00:00 (local day index) that pays for completions at local day `day`. */
  static payDay(localDay: number): number {
    // Epoch day 0 (1970-01-01) was a Thursday: (day + 4) % 7 is the weekday, Friday = 5.
    const weekday = (localDay + 4) % 7
    return localDay + ((5 - weekday + 7) % 7 || 7)
  }

  /** Count a completion; true when it is the tutor's first in the period (a payout is due). */
  record(payDay: number, tutor: number): boolean {
    let week = this.weeks.get(payDay)
    if (!week || tutor >= week.length) {
      const grown = new Int32Array(Math.max(16_384, (tutor + 1) * 2))
      if (week) grown.set(week)
      this.weeks.set(payDay, (week = grown))
    }
    return week[tutor]!++ === 0
  }

  /** The sessions a payout covers. */
  settle(payDay: number, tutor: number): number {
    return this.weeks.get(payDay)?.[tutor] ?? 0
  }

  /** Forget periods paid before `payDay` (their payouts have all been made). */
  prune(payDay: number): void {
    for (const day of this.weeks.keys()) if (day < payDay) this.weeks.delete(day)
  }
}

function enumValues(domain: FieldDomain | undefined): string[] {
  return domain && domain.type === 'enum' ? domain.values.map(String) : []
}

/** Draw an enum value index with the domain's weights. */
const cumulativeWeights = new WeakMap<object, Float64Array>()

function weightedIndex(rng: Rng, domain: FieldDomain | undefined): number {
  if (!domain || domain.type !== 'enum') return 0
  let cum = cumulativeWeights.get(domain)
  if (!cum) {
    const w = domain.weights ?? domain.values.map(() => 1)
    cum = new Float64Array(w.length)
    let total = 0
    w.forEach((x, i) => (cum![i] = total += x))
    cumulativeWeights.set(domain, cum)
  }
  return rng.weighted(cum)
}

/** Build the handlers of the built-in processes, keyed by stream index. */
export function buildHandlers(ctx: ProcessContext): Map<number, Handler> {
  const { model, draws, pop, payouts } = ctx
  const cal = model.calendar
  const idx = (name: string) => model.index.get(name)
  const handlers = new Map<number, Handler>()
  const on = (name: string, h: Handler) => {
    const i = idx(name)
    if (i !== undefined) handlers.set(i, { ...handlers.get(i), ...h })
  }
  const randomStudent = (ev: Ev) => {
    ev.st = draws.current.int(pop.students)
  }
  const subject = () => draws.current.int(ctx.subjects.length)

  // A label on the branch that caused an event binds one of its categorical fields (ticket
  // category "billing" after a payment failure, refund reason "tutor_no_show" …).
  const labelled: Handler['child'] = (ev, _parent, branch) => {
    ev.v = branch.label
  }

  // ---- students ----------------------------------------------------------------------
  on('customer.signup.started', { root: (ev) => void (ev.id = pop.next('temp')) })
  on('customer.signup.completed', { process: (ev) => void (ev.st = pop.addStudent(ev.t)), timeSensitive: true })
  on('customer.tutor.search', {
    root: (ev) => {
      randomStudent(ev)
      ev.sub = subject()
    },
  })

  // ---- the booking funnel --------------------------------------------------------------
  const requestIds = pop.counter('request')
  const request = (ev: Ev) => {
    ev.id = requestIds.n++
    ev.tu = pop.activeTutor(draws.current)
    // Requested for 1-7 days ahead, on a quarter hour between 08:00 and 19:45 local.
    const day = cal.localDay(ev.t) + draws.current.between(1, 7)
    ev.x = cal.midnightOf(day) + 8 * HOUR + draws.current.int(48) * 15 * MINUTE
  }
  on('session.booking.requested', {
    child: request,
    // Only if a catalog gives requests arrivals of their own (the shipped one derives them all from searches).
    root: (ev) => {
      randomStudent(ev)
      ev.sub = subject()
      request(ev)
    },
  })
  // A request is answered before its session would start: confirmation and decline come at
  // least 30 minutes before the requested time, whatever their configured window says.
  const confirmedIdx = idx('session.booking.confirmed')
  const declinedIdx = idx('session.booking.declined_by_tutor')
  on('session.booking.requested', {
    delay: (parent, b) => {
      let max = b.maxDelay
      if (b.target === confirmedIdx || b.target === declinedIdx) max = Math.max(b.minDelay, Math.min(max, parent.x - ANSWER_MARGIN - parent.t))
      return b.minDelay + draws.current.next() * (max - b.minDelay)
    },
  })
  const ratingIdx = idx('session.rating.submitted_by_student')
  const resolvedIdx = idx('support.ticket.resolved')
  const ratingDomain = ratingIdx === undefined ? undefined : model.streams[ratingIdx]!.def.payload.rating_score
  on('session.started', { process: (ev) => void (ev.y = ev.t) })
  on('session.completed', {
    child: (ev, parent) => void (ev.y = Math.round((ev.t - parent.t) / MINUTE)),
  })
  on('session.rating.submitted_by_student', {
    process: (ev) => {
      const values = ratingDomain && ratingDomain.type === 'enum' ? ratingDomain.values : [5]
      const shift = ratingIdx === undefined ? undefined : ctx.fieldShift(ratingIdx, 'rating_score', ev.t)
      if (shift && 'weights' in shift && draws.current.next() < shift.strength) {
        // A scenario's rating mix (quality crisis: more low scores), as far as it is in force.
        const w = values.map((v) => shift.weights[String(v)] ?? 0)
        let x = draws.current.next() * w.reduce((a, b) => a + b, 0)
        let i = 0
        while (i < w.length - 1 && (x -= w[i]!) >= 0) i++
        ev.y = Number(values[i])
      } else ev.y = Number(values[weightedIndex(draws.current, ratingDomain)])
    },
    field: (ev, name) => (name === 'rating_score' ? ev.y : undefined),
  })

  // ---- payouts: a tutor's completions of a Friday-to-Friday week, paid that Friday --------
  const payoutIdx = idx('tutor.payout.initiated')
  on('session.completed', {
    process: (ev) => {
      if (payoutIdx === undefined || ev.tu < 0) return
      const payDay = PayoutBook.payDay(cal.localDay(ev.t))
      // x now tells the engine whether this completion opens the tutor's payout for the week.
      ev.x = payouts.record(payDay, ev.tu) ? payDay : -1
    },
  })
  on('tutor.payout.initiated', {
    process: (ev) => {
      ev.y = payouts.settle(ev.x, ev.tu)
      payouts.prune(ev.x)
    },
    timeSensitive: true,
  })

  // ---- support ----------------------------------------------------------------------------
  on('support.ticket.created', {
    root: (ev) => {
      randomStudent(ev)
    },
    child: labelled,
    process: (ev) => {
      ev.id = pop.next('ticket')
      // Resolution hours: log-normal with median 4 h and p90 12 h (mean ≈ 6 h), within 1-24 h;
      // a scenario may stretch them (support overload: overwhelmed agents).
      let hours = draws.current.logNormal(TICKET_RESOLUTION_HOURS.median, TICKET_RESOLUTION_HOURS.p90)
      const shift = resolvedIdx === undefined ? undefined : ctx.fieldShift(resolvedIdx, 'resolution_time_hours', ev.t)
      if (shift && 'scale' in shift) hours *= 1 + (shift.scale - 1) * shift.strength
      ev.y = Math.min(TICKET_RESOLUTION_HOURS.max, Math.max(TICKET_RESOLUTION_HOURS.min, hours))
    },
    // A ticket's updates and resolution are decided when it is raised, with what is known then
    // (an overload activated after its cause was decided still slows it), not days ahead.
    timeSensitive: true,
  })
  on('support.ticket.updated', { child: (ev, parent) => void (ev.y = parent.y) })
  on('support.ticket.resolved', { child: (ev, parent) => void (ev.y = parent.y) })
  const ticketDelays = (parent: Ev, branch: BranchRt): number => {
    const resolution = parent.y * HOUR
    return model.streams[branch.target]!.name === 'support.ticket.resolved' ? resolution : draws.current.next() * resolution
  }
  const created = idx('support.ticket.created')
  if (created !== undefined) handlers.set(created, { ...handlers.get(created), delay: ticketDelays })
  // A refund keeps its cause's session (ev.id) and numbers itself in y.
  on('support.refund.requested', {
    root: (ev) => {
      randomStudent(ev)
      ev.id = NONE // a refund nobody's session caused
    },
    child: labelled,
    process: (ev) => void (ev.y = pop.next('refund')),
  })
  on('support.live_chat.started', { root: (ev) => { randomStudent(ev); ev.id = pop.next('chat') } })
  // Inbound calls: y = this customer's calls in the last 14 days, this one included (the
  // churn-risk rule reads it). Keeping that ledger makes the stream time-sensitive.
  on('support.call.inbound', {
    root: (ev) => {
      ev.id = pop.next('call')
      ev.st = draws.current.chance(0.8) ? draws.current.int(pop.students) : NONE
    },
    process: (ev) => {
      ev.y = ev.st < 0 ? 1 : pop.recordCall(ev.st, ev.t, 14 * DAY)
    },
    field: (ev, name) => (name === 'calls_in_14_days' ? ev.y : undefined),
    timeSensitive: true,
  })

  // ---- payments ---------------------------------------------------------------------------
  on('payment_gateway.transaction.status', {
    root: (ev) => {
      ev.id = pop.next('txn')
      randomStudent(ev)
    },
    field: (ev, name) => (name === 'status' ? ev.v : undefined),
  })
  on('customer.subscription.payment_failure', { child: labelled })
  on('customer.subscription.plan_changed', { child: labelled })

  // ---- tutor supply -----------------------------------------------------------------------
  on('marketing.ad.click', { root: (ev) => void (ev.id = pop.next('click')) })
  on('tutor.application.received', { child: (ev) => { ev.id = pop.next('applicant'); ev.sub = subject() } })
  on('tutor.onboarding.approved', { process: (ev) => void (ev.tu = pop.addTutor(ev.t)), timeSensitive: true })
  on('tutor.status.changed', {
    process: (ev) => {
      // Half the changes bring an away tutor back, half send an active one away, so the share
      // of active tutors holds steady instead of drifting toward a uniform mix of statuses.
      const returning = draws.current.chance(0.5)
      let tu = draws.current.int(pop.tutors)
      for (let i = 0; i < 64 && (pop.tutorStatus[tu] !== 0) !== returning; i++) tu = draws.current.int(pop.tutors)
      ev.tu = tu
      const old = pop.tutorStatus[tu]!
      const next = old !== 0 ? 0 : 1 + draws.current.int(TUTOR_STATUSES.length - 1)
      pop.tutorStatus[tu] = next
      ev.y = old
      ev.v = TUTOR_STATUSES[next]
    },
    timeSensitive: true,
    field: (ev, name) => (name === 'new_status' ? ev.v : name === 'old_status' ? TUTOR_STATUSES[ev.y] : undefined),
  })
  // One shape for every handler: the engine reads these fields for millions of events, and
  // objects of one hidden class keep those reads monomorphic.
  for (const [i, h] of handlers) {
    handlers.set(i, { root: h.root, child: h.child, process: h.process, timeSensitive: h.timeSensitive ?? false, field: h.field, delay: h.delay })
  }
  return handlers
}

export { enumValues }
