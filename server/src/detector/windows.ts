/**
 * Labelled anomaly windows from the ground truth: one per stream and applied effect, where the
 * stream's count moves by more than a threshold. What moves is read from the truth's expected
 * ratio (what the count does: a factor on decisions taken ahead shows later and there), or the
 * forced share's ratio for an outcome share. Following NAB, each window is widened around the
 * anomaly (a tenth of its length on each side, at least 15 minutes), so an early or late but
 * sensible detection counts.
 */
import type { DetectorWindow, GroundTruthEffect } from '@marketsim/shared-types'
import { formatIso } from '../sim/payload.js'

export const DEFAULT_THRESHOLD = 0.1
const SAMPLE_MS = 15 * 60_000
const MIN_MARGIN_MS = 15 * 60_000
/** Departures closer than this are one window. */
const GAP_MS = 60 * 60_000

export const WINDOW_CONVENTION =
  'NAB: one window per stream and applied effect, around where the effect moves the stream by more than the threshold (the ground truth\'s expected ratio, or the forced share ratio for an outcome share), widened by a tenth of its length on each side (at least 15 minutes), so an early or late but sensible detection counts. Windows of different causes may overlap; a scorer merges them per stream.'

function ratioOf(e: GroundTruthEffect, f: GroundTruthEffect['factors'][number]): number {
  return e.mechanism === 'outcome-share' ? f.factor : f.expectedRatio
}

export function windowsOf(effects: GroundTruthEffect[], threshold = DEFAULT_THRESHOLD, streams?: Set<string>): DetectorWindow[] {
  const out: DetectorWindow[] = []
  for (const e of effects) {
    if (streams && !streams.has(e.stream)) continue
    let open: { from: number; to: number; peak: number } | undefined
    const close = () => {
      if (!open) return
      const margin = Math.max(MIN_MARGIN_MS, 0.1 * (open.to - open.from))
      out.push({ stream: e.stream, start: formatIso(open.from - margin), end: formatIso(open.to + margin), cause: { kind: e.cause.kind, id: e.cause.id }, peakFactor: open.peak })
      open = undefined
    }
    for (const f of e.factors) {
      const r = ratioOf(e, f)
      if (Math.abs(r - 1) <= threshold) continue
      const t = Date.parse(f.timestamp)
      if (open && t - open.to > GAP_MS) close()
      if (!open) open = { from: t, to: t + SAMPLE_MS, peak: r }
      else {
        open.to = t + SAMPLE_MS
        if (Math.abs(r - 1) > Math.abs(open.peak - 1)) open.peak = r
      }
    }
    close()
  }
  return out.sort((a, b) => a.start.localeCompare(b.start) || a.stream.localeCompare(b.stream))
}
