/**
 * The Numenta Anomaly Benchmark's scoring (Lavin & Ahmad 2015; numenta/NAB `nab/scorer.py`),
 * on time instead of row indices, for the detector lab.
 *
 * Each labelled window rewards its first detection by where it falls: the scaled sigmoid of the
 * detection's position relative to the window's end (−1 at the start, 0 at the end) gives
 * ≈ +0.987 at the start, 0 at the end. A window without a detection costs the profile's
 * false-negative weight. A detection outside every window is a false positive: scored by the
 * same sigmoid of its distance after the window before it (in window lengths, −1 beyond three),
 * or −1 when no window precedes it, times the profile's false-positive weight. Later detections
 * in a window already detected count for nothing. Scores are normalized so the null detector
 * (no detection) scores 0 and the perfect one (a detection at every window's start) 100.
 */

export interface Profile {
  tp: number
  fp: number
  fn: number
}

/** NAB's three application profiles (config/profiles.json), named as the issue names them. */
export const PROFILES = {
  standard: { tp: 1, fp: 0.11, fn: 1 },
  reward_low_FP: { tp: 1, fp: 0.22, fn: 1 },
  reward_low_FN: { tp: 1, fp: 0.11, fn: 2 },
} as const satisfies Record<string, Profile>

export type ProfileName = keyof typeof PROFILES

/** NAB's scaled sigmoid: 2/(1 + e^(5y)) − 1, and −1 beyond three window lengths after a window. */
export function scaledSigmoid(y: number): number {
  if (y > 3) return -1
  return 2 / (1 + Math.exp(5 * y)) - 1
}

export interface Window {
  start: number
  end: number
}

export interface StreamScore {
  raw: number
  tp: number
  fp: number
  fn: number
  /** Per window (in the order given): the first detection's time, or undefined when missed. */
  detectedAt: Array<number | undefined>
}

/**
 * Score one stream: `windows` sorted by start and not overlapping, `flags` the detection times
 * (any order).
 */
export function scoreStream(windows: readonly Window[], flags: readonly number[], profile: Profile): StreamScore {
  let sorted = true
  for (let i = 1; i < flags.length && sorted; i++) sorted = flags[i - 1]! <= flags[i]!
  const times = sorted ? flags : [...flags].sort((a, b) => a - b)
  const detectedAt: Array<number | undefined> = windows.map(() => undefined)
  let raw = 0
  let tp = 0
  let fp = 0
  let w = 0 // the first window that does not end before the flag
  for (const t of times) {
    while (w < windows.length && windows[w]!.end < t) w++
    const inside = w < windows.length && windows[w]!.start <= t
    if (inside) {
      if (detectedAt[w] !== undefined) continue // only the first detection of a window counts
      const win = windows[w]!
      const length = Math.max(1, win.end - win.start)
      detectedAt[w] = t
      raw += profile.tp * scaledSigmoid(-(win.end - t) / length)
      tp++
      continue
    }
    // A false positive: judged from the window before it, if any.
    const before = w > 0 ? windows[w - 1] : undefined
    const y = before ? (t - before.end) / Math.max(1, before.end - before.start) : Number.POSITIVE_INFINITY
    raw += profile.fp * scaledSigmoid(y)
    fp++
  }
  const fn = detectedAt.filter((d) => d === undefined).length
  raw -= profile.fn * fn
  return { raw, tp, fp, fn, detectedAt }
}

/** The raw scores of the null detector (no detections) and the perfect one, for `windows` windows. */
export function bounds(windows: number, profile: Profile): { none: number; perfect: number } {
  return { none: -profile.fn * windows, perfect: profile.tp * scaledSigmoid(-1) * windows }
}

/** 100 × (raw − null) / (perfect − null): 0 for no detections, 100 for a detection at every window's start. */
export function normalize(raw: number, windows: number, profile: Profile): number {
  const { none, perfect } = bounds(windows, profile)
  return perfect === none ? 0 : (100 * (raw - none)) / (perfect - none)
}
