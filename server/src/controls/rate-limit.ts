/**
 * A token bucket per client: `perMinute` requests at once, refilled evenly over a minute. The
 * clock is injected, so tests count requests instead of waiting for time to pass.
 */
export interface RateDecision {
  allowed: boolean
  /** Whole seconds until the next request would be allowed (0 when allowed). */
  retryAfterS: number
}

/** Above this many tracked clients, the ones whose bucket is full again are forgotten. */
const MAX_TRACKED = 10_000

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()
  private readonly msPerToken: number

  constructor(
    readonly perMinute: number,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(perMinute) || perMinute < 1) throw new Error(`rate limit: perMinute must be a positive integer (got ${String(perMinute)})`)
    this.msPerToken = 60_000 / perMinute
  }

  take(key: string): RateDecision {
    const now = this.now()
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: now }
    // A clock that went backwards refills nothing rather than draining the bucket.
    b.tokens = Math.min(this.perMinute, b.tokens + Math.max(0, now - b.at) / this.msPerToken)
    b.at = now
    if (!this.buckets.has(key)) {
      if (this.buckets.size >= MAX_TRACKED) this.prune(now)
      // Still full of busy clients: the longest-tracked one goes, so memory stays bounded.
      if (this.buckets.size >= MAX_TRACKED) this.buckets.delete(this.buckets.keys().next().value!)
      this.buckets.set(key, b)
    }
    if (b.tokens >= 1) {
      b.tokens -= 1
      return { allowed: true, retryAfterS: 0 }
    }
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil(((1 - b.tokens) * this.msPerToken) / 1000)) }
  }

  private prune(now: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + (now - b.at) / this.msPerToken >= this.perMinute) this.buckets.delete(k)
  }
}
