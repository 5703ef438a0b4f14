/**
 * The seeded random generator of the simulation (sfc32, seeded through splitmix32) and the
 * distributions the engine draws from. The core never calls Math.random(): every draw comes
 * from an Rng derived from the seed, so seed + start + control actions fix every event.
 */

/** 32-bit FNV-1a over strings and numbers, finished with a murmur3 avalanche. */
export function hash32(...parts: Array<string | number>): number {
  let h = 0x811c9dc5
  for (const part of parts) {
    const s = typeof part === 'number' ? part.toString(36) : part
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i)
      h = Math.imul(h, 0x01000193)
    }
    h ^= 0x1f // separator, so ("ab","c") ≠ ("a","bc")
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** A quick integer hash of three numbers (keys and periods: no strings, unlike hash32). */
export function mix32(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35)
  h = Math.imul(h ^ (h >>> 16) ^ (c | 0), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13) ^ Math.floor(c / 4294967296), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** A uniform number in [0, 1) fixed by what it is for (seed, key, time, index): no generator state. */
export function keyedUnit(seed: number, key: number, t: number, j: number): number {
  return mix32(mix32(seed, key, j), 0x5bd1e995, t) / 4294967296
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

const LOG_FACT_TABLE: number[] = [0]
for (let k = 1; k < 256; k++) LOG_FACT_TABLE[k] = LOG_FACT_TABLE[k - 1]! + Math.log(k)

function logFactorial(k: number): number {
  if (k < 256) return LOG_FACT_TABLE[k]!
  // Stirling with two correction terms: exact to ~1e-10 here.
  return (k + 0.5) * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * k) - 1 / (360 * k * k * k)
}

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number
  private spare = NaN

  /** A generator for `seed` and an optional label (`new Rng(seed, 'payload')` is independent of `new Rng(seed)`). */
  constructor(seed: number, label = '') {
    this.a = this.b = this.c = this.d = 0
    this.restart(hash32(seed, label))
  }

  /** Start over from a 32-bit seed. */
  restart(seed: number): void {
    const sm = splitmix32(seed)
    // The state is kept as signed 32-bit integers (the same bits): those are small integers to
    // V8, while unsigned ones above 2^31 are heap numbers, and every draw stored four of them
    // (about 1 GB of garbage per 30-day build).
    this.a = sm() | 0
    this.b = sm() | 0
    this.c = sm() | 0
    this.d = sm() | 0
    this.spare = NaN
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** An independent generator derived from this one's seed material and a label. */
  static derive(seed: number, ...parts: Array<string | number>): Rng {
    return new Rng(hash32(seed, ...parts))
  }

  u32(): number {
    // Sums of three int32 are exact doubles, so `| 0` wraps them modulo 2^32 like `>>> 0` did.
    const t = (this.a + this.b + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Integer in [min, max], both inclusive. */
  between(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  uniform(min: number, max: number): number {
    return min + this.next() * (max - min)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }

  /** Index into cumulative weights (ascending, last = total). */
  weighted(cumulative: ArrayLike<number>): number {
    const x = this.next() * cumulative[cumulative.length - 1]!
    let i = 0
    while (i < cumulative.length - 1 && cumulative[i]! <= x) i++
    return i
  }

  /** Standard normal (Marsaglia polar). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare
      this.spare = NaN
      return s
    }
    let u: number, v: number, s: number
    do {
      u = this.next() * 2 - 1
      v = this.next() * 2 - 1
      s = u * u + v * v
    } while (s >= 1 || s === 0)
    const m = Math.sqrt((-2 * Math.log(s)) / s)
    this.spare = v * m
    return u * m
  }

  /** A positive factor with mean 1 and standard deviation `cv` (log-normal). */
  noiseFactor(cv: number): number {
    if (cv <= 0) return 1
    const s2 = Math.log(1 + cv * cv)
    return Math.exp(-s2 / 2 + Math.sqrt(s2) * this.normal())
  }

  /** Poisson(λ): multiplication for small λ, Hörmann's PTRS for large (exact either way). */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0
    if (lambda < 12) {
      const limit = Math.exp(-lambda)
      let k = 0
      let p = this.next()
      while (p > limit) {
        k++
        p *= this.next()
      }
      return k
    }
    const slam = Math.sqrt(lambda)
    const loglam = Math.log(lambda)
    const b = 0.931 + 2.53 * slam
    const a = -0.059 + 0.02483 * b
    const invalpha = 1.1239 + 1.1328 / (b - 3.4)
    const vr = 0.9277 - 3.6224 / (b - 2)
    for (;;) {
      const U = this.next() - 0.5
      const V = this.next()
      const us = 0.5 - Math.abs(U)
      const k = Math.floor(((2 * a) / us + b) * U + lambda + 0.43)
      if (us >= 0.07 && V <= vr) return k
      if (k < 0 || (us < 0.013 && V > us)) continue
      if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) return k
    }
  }

  /** Binomial(n, p): exact for small n·p (geometric skips), normal approximation beyond. */
  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0
    if (p >= 1) return n
    if (p > 0.5) return n - this.binomial(n, 1 - p)
    if (n * p < 30) {
      // Count successes by skipping geometric gaps: O(n·p) draws.
      const lq = Math.log(1 - p)
      let k = 0
      let i = Math.floor(Math.log(1 - this.next()) / lq)
      while (i < n) {
        k++
        i += 1 + Math.floor(Math.log(1 - this.next()) / lq)
      }
      return k
    }
    const x = Math.round(n * p + Math.sqrt(n * p * (1 - p)) * this.normal())
    return x < 0 ? 0 : x > n ? n : x
  }

  /** Log-normal with the given median and p90 (for skewed durations such as ticket resolution). */
  logNormal(median: number, p90: number): number {
    const sigma = Math.log(p90 / median) / 1.2815515655446004
    return median * Math.exp(sigma * this.normal())
  }
}

/**
 * Common random numbers: one generator per key (a stream, a deferred decision), re-seeded from
 * (seed, key, period) at the start of each period of simulated time. A key's draws then depend
 * only on what happened under that key in that period, so a scenario that changes how often one
 * stream draws leaves every stream it cannot reach drawing exactly what it drew without it, and
 * the streams it does reach fall back in step a period after its influence ends. `current` is
 * the generator of the decision being taken; callers select a key and restore the one before.
 */
export class KeyedDraws {
  current: Rng
  private readonly gens: Rng[]
  /** Per key: where its current period ends (decision times only move forward). */
  private readonly ends: Float64Array

  constructor(private readonly seed: number, keys: number, private readonly periodMs: number) {
    this.gens = Array.from({ length: keys }, () => new Rng(seed, 'unused'))
    this.ends = new Float64Array(keys).fill(Number.NEGATIVE_INFINITY)
    this.current = this.gens[0]!
  }

  /** Draw under `key` for a decision at t; returns the generator in use before (to restore). */
  select(key: number, t: number): Rng {
    const prev = this.current
    const g = this.gens[key]!
    if (t >= this.ends[key]!) {
      const period = Math.floor(t / this.periodMs)
      this.ends[key] = (period + 1) * this.periodMs
      g.restart(mix32(this.seed, key, period))
    }
    this.current = g
    return prev
  }

  restore(prev: Rng): void {
    this.current = prev
  }
}
