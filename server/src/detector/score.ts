/**
 * Score a detector's flags against the labelled windows: NAB's three profiles (normalized over
 * all watched streams together, as NAB normalizes over its corpus), and per stream and overall
 * the counts a detector developer reads first: windows found and missed, false alarms, bucket
 * precision and recall, time to detect, false alarms per day of baseline.
 */
import type { DetectorScoreResponse, DetectorWindow } from '@marketsim/shared-types'
import { formatIso } from '../sim/payload.js'
import { PROFILES, normalize, scoreStream, type ProfileName, type Window } from './nab.js'

const BUCKET_MS = 5 * 60_000
const DAY_MS = 86_400_000
const round = (x: number) => Math.round(x * 10_000) / 10_000

/** Windows of one stream, clipped to the range, overlapping ones merged (NAB's windows do not overlap). */
function merged(windows: DetectorWindow[], from: number, to: number): Window[] {
  const spans = windows
    .map((w) => ({ start: Math.max(from, Date.parse(w.start)), end: Math.min(to, Date.parse(w.end)) }))
    .filter((w) => w.end > w.start)
    .sort((a, b) => a.start - b.start)
  const out: Window[] = []
  for (const w of spans) {
    const last = out[out.length - 1]
    if (last && w.start <= last.end) last.end = Math.max(last.end, w.end)
    else out.push({ ...w })
  }
  return out
}

type Counts = DetectorScoreResponse['overall']

function counts(windows: Window[], flags: number[], from: number, to: number): Counts & { flaggedBuckets: number; hitBuckets: number; windowBuckets: number; baselineMs: number } {
  const standard = scoreStream(windows, flags, PROFILES.standard)
  const inWindow = (t: number) => windows.some((w) => w.start <= t && t <= w.end)
  const flagged = new Set(flags.map((t) => Math.floor(t / BUCKET_MS)))
  let hitBuckets = 0
  for (const b of flagged) if (inWindow(b * BUCKET_MS + BUCKET_MS / 2)) hitBuckets++
  let windowBuckets = 0
  let covered = 0
  for (const w of windows) {
    windowBuckets += Math.max(1, Math.ceil((w.end - w.start) / BUCKET_MS))
    covered += w.end - w.start
  }
  const precision = flagged.size > 0 ? hitBuckets / flagged.size : 0
  const recall = windowBuckets > 0 ? hitBuckets / windowBuckets : 0
  const baselineMs = Math.max(0, to - from - covered)
  return {
    windows: windows.length,
    truePositives: standard.tp,
    falsePositives: standard.fp,
    missed: standard.fn,
    precision: round(precision),
    recall: round(recall),
    f1: round(precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0),
    falseAlarmsPerBaselineDay: round(baselineMs > 0 ? standard.fp / (baselineMs / DAY_MS) : 0),
    flaggedBuckets: flagged.size,
    hitBuckets,
    windowBuckets,
    baselineMs,
  }
}

export function scoreDetector(
  windows: DetectorWindow[],
  flags: Array<{ stream: string; t: number }>,
  streams: string[],
  from: number,
  to: number,
): Omit<DetectorScoreResponse, 'timeRange' | 'threshold'> {
  const names = Object.keys(PROFILES) as ProfileName[]
  const raw = Object.fromEntries(names.map((n) => [n, 0])) as Record<ProfileName, number>
  let allWindows = 0
  const perStream: DetectorScoreResponse['streams'] = {}
  const totals = { windows: 0, truePositives: 0, falsePositives: 0, missed: 0, flaggedBuckets: 0, hitBuckets: 0, windowBuckets: 0, baselineMs: 0 }
  const byStream = new Map<string, number[]>(streams.map((s) => [s, []]))
  for (const f of flags) byStream.get(f.stream)?.push(f.t)
  // Sorted once: each profile's pass then reads them in order.
  for (const times of byStream.values()) times.sort((a, b) => a - b)
  for (const stream of streams) {
    const ws = merged(
      windows.filter((w) => w.stream === stream),
      from,
      to,
    )
    const times = byStream.get(stream)!
    const scores = {} as Record<ProfileName, number>
    let detectedAt: Array<number | undefined> = []
    for (const n of names) {
      const s = scoreStream(ws, times, PROFILES[n])
      raw[n] += s.raw
      scores[n] = round(normalize(s.raw, ws.length, PROFILES[n]))
      detectedAt = s.detectedAt
    }
    allWindows += ws.length
    const c = counts(ws, times, from, to)
    for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += c[k]
    const { flaggedBuckets: _f, hitBuckets: _h, windowBuckets: _w, baselineMs: _b, ...shown } = c
    perStream[stream] = {
      ...shown,
      scores,
      detections: ws.map((w, i) => ({
        start: formatIso(w.start),
        end: formatIso(w.end),
        detectedAt: detectedAt[i] === undefined ? null : formatIso(detectedAt[i]!),
        timeToDetectSeconds: detectedAt[i] === undefined ? null : Math.round((detectedAt[i]! - w.start) / 1000),
      })),
    }
  }
  const precision = totals.flaggedBuckets > 0 ? totals.hitBuckets / totals.flaggedBuckets : 0
  const recall = totals.windowBuckets > 0 ? totals.hitBuckets / totals.windowBuckets : 0
  return {
    scores: Object.fromEntries(names.map((n) => [n, round(normalize(raw[n], allWindows, PROFILES[n]))])) as DetectorScoreResponse['scores'],
    overall: {
      windows: totals.windows,
      truePositives: totals.truePositives,
      falsePositives: totals.falsePositives,
      missed: totals.missed,
      precision: round(precision),
      recall: round(recall),
      f1: round(precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0),
      falseAlarmsPerBaselineDay: round(totals.baselineMs > 0 ? totals.falsePositives / (totals.baselineMs / DAY_MS) : 0),
    },
    streams: perStream,
  }
}
