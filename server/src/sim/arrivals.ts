/**
 * Arrival times of the recent past, per stream: what a live trailing window counts. Buckets
 * resolve five minutes; a window of thirty seconds needs the events' own times. Kept from a
 * little before the live start (history counted there lands here too), trimmed as time runs.
 */
export class RecentArrivals {
  private times: Float64Array[]
  private readonly size: Int32Array
  private readonly head: Int32Array
  /** A stream whose times arrived out of order (history decides some ahead of time). */
  private readonly unsorted: Uint8Array

  constructor(
    streams: number,
    /** Record nothing before this (ms). */
    public from: number,
    /** Keep this much behind the latest trim (ms). */
    readonly keepMs: number,
  ) {
    this.times = Array.from({ length: streams }, () => new Float64Array(64))
    this.size = new Int32Array(streams)
    this.head = new Int32Array(streams)
    this.unsorted = new Uint8Array(streams)
  }

  push(s: number, t: number): void {
    if (t < this.from) return
    let a = this.times[s]!
    const n = this.size[s]!
    if (n === a.length) {
      const grown = new Float64Array(a.length * 2)
      grown.set(a)
      this.times[s] = a = grown
    }
    if (n > this.head[s]! && t < a[n - 1]!) this.unsorted[s] = 1
    a[n] = t
    this.size[s] = n + 1
  }

  private sort(s: number): void {
    if (!this.unsorted[s]) return
    this.times[s]!.subarray(this.head[s]!, this.size[s]!).sort()
    this.unsorted[s] = 0
  }

  /** Arrivals of stream s at or after `since` (everything recorded is in the past). */
  countSince(s: number, since: number): number {
    this.sort(s)
    const a = this.times[s]!
    let lo = this.head[s]!
    let hi = this.size[s]!
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (a[mid]! < since) lo = mid + 1
      else hi = mid
    }
    return this.size[s]! - lo
  }

  /** Forget what is older than `now - keepMs`. */
  trim(now: number): void {
    const min = now - this.keepMs
    for (let s = 0; s < this.times.length; s++) {
      this.sort(s)
      const a = this.times[s]!
      let h = this.head[s]!
      const n = this.size[s]!
      while (h < n && a[h]! < min) h++
      if (h > 1024 && h * 2 > n) {
        a.copyWithin(0, h, n)
        this.size[s] = n - h
        h = 0
      }
      this.head[s] = h
    }
  }
}
