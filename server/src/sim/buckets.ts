/**
 * Per-stream 5-minute buckets from the history start onward: event counts, and for level
 * streams the sum of snapshot values (a point's value is then sum / count). Grows as the live
 * clock runs; prefix sums make any aligned interval O(1).
 */
import { RecentArrivals } from './arrivals.js'
import { BUCKET_MS } from './time.js'

export class BucketSeries {
  counts: Float64Array
  sums: Float64Array
  /** Events with the outcome the stream's share measure counts (streams with one only). */
  hits: Float64Array | undefined
  /** Number of buckets that may hold data (index of the last touched bucket + 1). */
  length = 0

  constructor(capacity: number) {
    this.counts = new Float64Array(capacity)
    this.sums = new Float64Array(capacity)
    this.hits = undefined
  }

  ensure(i: number): void {
    if (i < this.counts.length) return
    let cap = this.counts.length * 2
    while (cap <= i) cap *= 2
    const c = new Float64Array(cap)
    c.set(this.counts)
    this.counts = c
    const s = new Float64Array(cap)
    s.set(this.sums)
    this.sums = s
    if (this.hits) {
      const h = new Float64Array(cap)
      h.set(this.hits)
      this.hits = h
    }
  }
}

export class BucketStore {
  readonly series: BucketSeries[]
  /** Every counted event's time near and after the live start, for trailing windows. */
  readonly arrivals: RecentArrivals
  /** The same for the events a share measure counts. */
  readonly hitArrivals: RecentArrivals

  constructor(
    readonly originMs: number,
    streamCount: number,
    capacity: number,
    /** Arrival times are kept from here on, this long behind now. */
    arrivalsFrom: number,
    arrivalsKeepMs: number,
  ) {
    this.series = Array.from({ length: streamCount }, () => new BucketSeries(capacity))
    this.arrivals = new RecentArrivals(streamCount, arrivalsFrom, arrivalsKeepMs)
    this.hitArrivals = new RecentArrivals(streamCount, arrivalsFrom, arrivalsKeepMs)
  }

  /** Give stream s a share measure (its series counts hits from now on). */
  measureShare(stream: number): void {
    const s = this.series[stream]!
    s.hits ??= new Float64Array(s.counts.length)
  }

  /** One event of stream s at t with the outcome its share measure counts (counted by add too). */
  addHit(stream: number, t: number): void {
    const i = this.indexOf(t)
    const s = this.series[stream]!
    if (i < 0 || !s.hits) return
    s.ensure(i)
    s.hits![i]! += 1
    if (t >= this.hitArrivals.from) this.hitArrivals.push(stream, t)
  }

  indexOf(t: number): number {
    return Math.floor((t - this.originMs) / BUCKET_MS)
  }

  add(stream: number, t: number, n: number, value = 0): void {
    this.count(stream, t, n, value)
    if (t >= this.arrivals.from) for (let k = 0; k < n; k++) this.arrivals.push(stream, t)
  }

  private count(stream: number, t: number, n: number, value: number): void {
    const i = this.indexOf(t)
    if (i < 0) return
    const s = this.series[stream]!
    s.ensure(i)
    s.counts[i]! += n
    // Only level streams carry values: skipping the zero add spares a second cache line per event.
    if (value !== 0) s.sums[i]! += value
    if (i >= s.length) s.length = i + 1
  }
}
