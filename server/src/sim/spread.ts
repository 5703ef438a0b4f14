/**
 * How much a stream's count over a window spreads around its expectation in the baseline
 * world, from the same generative model that makes the counts:
 * - Poisson arrivals: variance E;
 * - clustered followers (a chat's 5-15 messages, a ticket's 2-4 updates): arrivals come in
 *   groups, which inflates the variance by how much of a group fits in the window;
 * - the weather (weather.ts) of the roots it comes from: a multiplicative deviation correlated
 *   over hours, reaching a derived stream through its chains, averaged over their delays.
 * The weather's covariance is taken per UTC hour fragment of the window, so any alignment and
 * any length (a 5-minute bucket, a 12-hour bucket spanning night and day) gets its own spread.
 */
import { conditionShare, type BranchRt, type ChainRt, type Model } from './model.js'
import { TICKET_RESOLUTION_HOURS } from './processes.js'
import { DAY, HOUR } from './time.js'
import { factorCovariance, weatherOf, type WeatherParams } from './weather.js'

/** Lags of the weather's covariance table (hours); a window spans at most a day and a bit. */
const MAX_LAG = 48

interface Source {
  /** Events per weekday that come from this root. */
  amount: number
  /** Mean and variance of their delay after the root's arrival (ms, ms²). */
  mean: number
  variance: number
}

interface Cluster {
  /** Share of the stream's events that come in groups of this branch. */
  share: number
  /** E[k(k-1)] / E[k] of the group size: the excess variance per event when a whole group is inside. */
  excess: number
  /** Width of the group's delays (ms): members arrive independently, uniform over it. */
  width: number
}

/** The lag from a booking's confirmation to its scheduled slot: 1-7 days after the request. */
const SLOT_LAG = { mean: 3.75 * DAY, variance: (6.5 * DAY) ** 2 / 12 }

function delayOf(b: BranchRt): { mean: number; variance: number } {
  const own = { mean: (b.minDelay + b.maxDelay) / 2, variance: (b.maxDelay - b.minDelay) ** 2 / 12 }
  if (b.anchor === 'scheduled_time') return { mean: SLOT_LAG.mean + own.mean, variance: SLOT_LAG.variance + own.variance }
  if (b.anchor === 'before_scheduled_time') return { mean: SLOT_LAG.mean - own.mean, variance: SLOT_LAG.variance + own.variance }
  return own
}

/** A chain's branches with deferred decisions expanded (their delays and anchors added up). */
function expanded(chain: ChainRt): BranchRt[] {
  return chain.branches.flatMap((b) =>
    b.then
      ? b.then.branches.map((d) => ({ ...d, p: b.p * d.p, anchor: b.anchor, minDelay: b.minDelay + d.minDelay, maxDelay: b.maxDelay + d.maxDelay }))
      : [b],
  )
}

/** The share of window length w that a group spread uniformly over `width` keeps together. */
export function togetherness(w: number, width: number): number {
  if (width <= 0) return 1
  return w <= width ? (w / width) * (1 - w / (3 * width)) : 1 - width / (3 * w)
}

export class Spread {
  /** Per stream: covariance of its relative weather deviation between hours k apart. */
  private readonly weather: Float64Array[]
  private readonly clusters: Cluster[][]

  constructor(model: Model, params: WeatherParams) {
    const n = model.streams.length
    const volume = model.streams.map((s) => s.def.eventsPerDay)
    // Where each stream's events come from: its own arrivals, then what its triggers pass on.
    let sources: Array<Map<number, Source>> = model.streams.map((s) => new Map(s.rootPerHour > 0 ? [[s.idx, { amount: s.rootPerHour * 24, mean: 0, variance: 0 }]] : []))
    this.clusters = Array.from({ length: n }, () => [])
    // The chain graph has cycles (an expired booking sends its student back to searching) with a
    // gain of a few percent: a few passes settle them.
    for (let pass = 0; pass < 6; pass++) {
      const next = model.streams.map((s) => new Map(s.rootPerHour > 0 ? [[s.idx, { amount: s.rootPerHour * 24, mean: 0, variance: 0 }]] : []))
      for (const chain of model.chains) {
        if (chain.deferred) continue
        const trigger = model.streams[chain.trigger]!
        const from = sources[chain.trigger]!
        const total = [...from.values()].reduce((a, x) => a + x.amount, 0)
        if (total <= 0) continue
        for (const b of expanded(chain)) {
          if (b.target < 0 || b.anchor === 'weekly_payout') continue
          const share = b.condition ? conditionShare(trigger.def.payload[b.condition[0]!.field], b.condition) : 1
          const amount = volume[chain.trigger]! * b.p * share * ((b.countMin + b.countMax) / 2)
          const lag = delayOf(b)
          const into = next[b.target]!
          for (const [root, x] of from) {
            const a = (amount * x.amount) / total
            const prev = into.get(root)
            const mean = x.mean + lag.mean
            const second = x.variance + lag.variance + mean * mean
            if (!prev) into.set(root, { amount: a, mean, variance: second })
            else {
              // Accumulate E[lag²] weighted by amount; turned into a variance below.
              prev.variance = (prev.variance * prev.amount + second * a) / (prev.amount + a)
              prev.mean = (prev.mean * prev.amount + mean * a) / (prev.amount + a)
              prev.amount += a
            }
          }
          if (pass === 0 && b.countMax > 1) {
            const k = (b.countMin + b.countMax) / 2
            const m = b.countMax - b.countMin + 1
            const k2 = (m * m - 1) / 12 + k * k
            // A ticket's updates spread over its resolution time, not the chain's whole 0-24 h.
            const ticket = trigger.name === 'support.ticket.created'
            const width = ticket ? TICKET_RESOLUTION_HOURS.mean * HOUR : b.maxDelay - b.minDelay
            this.clusters[b.target]!.push({ share: amount / volume[b.target]!, excess: (k2 - k) / k, width })
          }
        }
      }
      // Derived entries hold E[lag²]: back to a variance (roots' own entries are exact zeros).
      for (const m of next) for (const x of m.values()) if (x.variance > 0) x.variance = Math.max(0, x.variance - x.mean * x.mean)
      sources = next
    }
    const rootWeather = model.streams.map((s) => weatherOf(s.def, params))
    this.weather = sources.map((m) => {
      const cov = new Float64Array(MAX_LAG + 1)
      const total = [...m.values()].reduce((a, x) => a + x.amount, 0)
      for (const [root, x] of m) {
        const f = x.amount / total
        const { sigma2, phi } = rootWeather[root]!
        // The delays average the root's hours over about this many of them.
        const taps = Math.max(1, Math.round(Math.sqrt(12 * x.variance) / HOUR))
        for (let k = 0; k <= MAX_LAG; k++) {
          let c = 0
          for (let d = -(taps - 1); d < taps; d++) c += (taps - Math.abs(d)) * factorCovariance(sigma2, phi, Math.abs(k + d))
          cov[k]! += f * f * (c / (taps * taps))
        }
      }
      return cov
    })
  }

  /** Variance per expected event from Poisson arrivals and groups, for a window of w ms. */
  dispersion(s: number, w: number): number {
    let d = 1
    for (const c of this.clusters[s]!) d += c.share * c.excess * togetherness(w, c.width)
    return d
  }

  /**
   * Variance of the weather's part of a count whose expected events per UTC hour fragment are
   * `perHour` (consecutive hours).
   */
  weatherVariance(s: number, perHour: ArrayLike<number>): number {
    const cov = this.weather[s]!
    let v = 0
    for (let i = 0; i < perHour.length; i++) {
      const ei = perHour[i]!
      if (ei === 0) continue
      v += cov[0]! * ei * ei
      for (let j = i + 1; j < perHour.length; j++) v += 2 * cov[Math.min(MAX_LAG, j - i)]! * ei * perHour[j]!
    }
    return v
  }

  /**
   * Variance of stream s's count over [from, to) in the baseline, given its expected count over
   * any span: Poisson and groups on the whole, the weather per UTC hour fragment.
   */
  variance(s: number, from: number, to: number, expected: (from: number, to: number) => number): number {
    const perHour = this.perHour
    perHour.length = 0
    let e = 0
    for (let h = Math.floor(from / HOUR) * HOUR; h < to; h += HOUR) {
      const x = expected(Math.max(from, h), Math.min(to, h + HOUR))
      perHour.push(x)
      e += x
    }
    return e * this.dispersion(s, to - from) + this.weatherVariance(s, perHour)
  }

  private readonly perHour: number[] = []

  /**
   * An upper bound of `variance` in O(1), for callers asking thousands of times (cascade
   * triggers): the weather taken as one deviation over the whole window.
   */
  varianceBound(s: number, expected: number, windowMs: number): number {
    return expected * this.dispersion(s, windowMs) + this.weather[s]![0]! * expected * expected
  }

  /** The relative weather deviation's standard deviation of stream s (for the catalog and docs). */
  weatherCv(s: number): number {
    return Math.sqrt(this.weather[s]![0]!)
  }
}
