/**
 * A count's z against its expected distribution. Busy windows are near normal; a window of a
 * few expected events is not (Poisson is skewed, and two events where 0.4 were expected is
 * not "3σ"), so small expectations take the exact tail of a Poisson, or of a negative
 * binomial when the spread is wider, as a mid-p probability mapped back to z. Either way a
 * flag at |z| ≥ 2 or 3 is as rare in the baseline as its threshold promises.
 */

/** Past this many expected events the normal approximation is within the flags' precision. */
const EXACT_BELOW = 150
const Z_MAX = 10

/** Φ⁻¹(p): Acklam's rational approximation with one Halley refinement (|error| < 1e-12). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity
  if (p >= 1) return Infinity
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239]
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572]
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783]
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]
  const lowTail = (q: number) => {
    const r = Math.sqrt(-2 * Math.log(q))
    return (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) / ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1)
  }
  let x: number
  if (p < 0.02425) x = lowTail(p)
  else if (p > 1 - 0.02425) x = -lowTail(1 - p)
  else {
    const q = p - 0.5
    const r = q * q
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  }
  // One Halley step against erfc.
  const e = 0.5 * erfc(-x / Math.SQRT2) - p
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2)
  return x - u / (1 + (x * u) / 2)
}

/** Complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r =
    t *
    Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
  return x >= 0 ? r : 2 - r
}

/**
 * z of `observed` events where `mean` were expected with variance `variance` (≥ mean).
 * At least one event of spread: the expectation resolves 5-minute buckets, so one event where
 * almost none was expected is within the model's precision, not an anomaly.
 */
export function countZ(observed: number, mean: number, variance: number): number {
  const v = Math.max(variance, mean)
  const floor = Math.abs(observed - mean)
  let z: number
  if (mean >= EXACT_BELOW || !(mean > 0)) z = (observed - mean) / Math.sqrt(Math.max(1, v))
  else if (observed > mean + 12 * Math.sqrt(v) + 20) z = Z_MAX
  else z = normalQuantile(midP(Math.round(observed), mean, v))
  return Math.max(-Z_MAX, Math.min(Z_MAX, Math.max(-floor, Math.min(floor, z))))
}

/** P(X < k) + P(X = k) / 2 for X Poisson(mean), or negative binomial when variance > mean. */
function midP(k: number, mean: number, variance: number): number {
  let pmf: number
  let step: (i: number) => number
  if (variance > mean * 1.0001) {
    const p = mean / variance
    const r = (mean * mean) / (variance - mean)
    pmf = Math.exp(r * Math.log(p))
    step = (i) => ((i + r) / (i + 1)) * (1 - p)
  } else {
    pmf = Math.exp(-mean)
    step = (i) => mean / (i + 1)
  }
  let below = 0
  for (let i = 0; i < k; i++) {
    below += pmf
    pmf *= step(i)
  }
  return Math.min(1, below + pmf / 2)
}

/**
 * z of `k` events with an outcome among `n` where a share `p` was expected: the exact binomial
 * mid-p for small n (ten attempts with one failure where 0.47 were expected is nothing), the
 * normal approximation past that; at least one event of spread, as for counts.
 */
export function shareZ(k: number, n: number, p: number): number {
  if (n <= 0 || !(p > 0 && p < 1)) return 0
  const mean = n * p
  const floor = Math.abs(k - mean)
  let z: number
  if (n > 1000) z = (k - mean) / Math.sqrt(mean * (1 - p))
  else {
    let pmf = Math.pow(1 - p, n)
    let below = 0
    for (let i = 0; i < k; i++) {
      below += pmf
      pmf *= ((n - i) / (i + 1)) * (p / (1 - p))
    }
    z = normalQuantile(Math.min(1, below + pmf / 2))
  }
  return Math.max(-Z_MAX, Math.min(Z_MAX, Math.max(-floor, Math.min(floor, z))))
}
