/**
 * When a factor declared on a stream shows in its count. A stream with arrivals of its own,
 * or one that follows its causes within two hours, shows it while the scenario runs. One whose
 * events are decided ahead (a request's expiry a day later, a session's cancellation before
 * its slot, an approval weeks after the application) shows it later and spread out: the
 * scenario bends the decisions taken while it runs. Read from the chains, so the card says it
 * before anything is pressed; the ground truth gives the expected ratio over time.
 */
import type { Model } from '../sim/model.js'
import { DAY, HOUR, MINUTE } from '../sim/time.js'

const PROMPT_MS = 2 * HOUR

function span(ms: number): string {
  if (ms >= 2 * DAY) return `${Math.round(ms / DAY)} days`
  if (ms >= 2 * HOUR) return `${Math.round(ms / HOUR)} h`
  return `${Math.round(ms / MINUTE)} min`
}

export function howItShows(model: Model, stream: number): string | undefined {
  if (model.streams[stream]!.rootPerHour > 0) return undefined
  let lo = Number.POSITIVE_INFINITY
  let hi = 0
  let scheduled = false
  // A deferred chain (a session's start at its slot) is itself a decision taken then: its own
  // branches count, not the branch that deferred it.
  for (const c of model.chains) {
    for (const b of c.branches) {
      if (b.target !== stream) continue
      if (b.anchor === 'scheduled_time' || b.anchor === 'before_scheduled_time') scheduled = true
      lo = Math.min(lo, b.minDelay)
      hi = Math.max(hi, b.maxDelay)
    }
  }
  if (scheduled) return 'on the sessions booked while it runs: shows around their scheduled times over the following days, spread out'
  if (hi <= PROMPT_MS || !Number.isFinite(lo)) return undefined
  if (hi === lo) return `on the decisions taken while it runs: shows ${span(lo)} later`
  return `on the decisions taken while it runs: shows ${lo < MINUTE ? 'up to' : `${span(lo)} to`} ${span(hi)} later, spread out`
}
