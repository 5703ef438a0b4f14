import { Type, type Static } from '@sinclair/typebox'
import { IsoTime, StreamName } from './common.js'
import { EffectCause } from './truth.js'

/** One labelled anomaly window for a detector: where one applied effect moves one stream's count. */
export const DetectorWindow = Type.Object(
  {
    stream: StreamName,
    start: IsoTime,
    end: IsoTime,
    cause: Type.Object({ kind: EffectCause, id: Type.String() }),
    peakFactor: Type.Number({ description: "the furthest the stream's expected ratio (or forced share ratio) goes from 1 in the window" }),
  },
  { title: 'DetectorWindow' },
)
export type DetectorWindow = Static<typeof DetectorWindow>

export const DetectorWindowsResponse = Type.Object(
  {
    timeRange: Type.Object({ start: IsoTime, end: IsoTime }),
    threshold: Type.Number({ description: 'a window is where |ratio − 1| exceeds this' }),
    convention: Type.String({ description: 'how windows are placed around the anomalies (NAB)' }),
    count: Type.Integer({ minimum: 0 }),
    windows: Type.Array(DetectorWindow),
  },
  { title: 'DetectorWindowsResponse' },
)
export type DetectorWindowsResponse = Static<typeof DetectorWindowsResponse>

export const DetectorFlag = Type.Object(
  {
    stream: StreamName,
    // Parsed (and refused with its index) by the scorer: a format check here would cost a second per million flags.
    timestamp: Type.String({ description: 'ISO-8601 UTC timestamp of the flag', examples: ['2025-01-16T14:30:00Z'] }),
    score: Type.Optional(Type.Number({ description: "the detector's own anomaly score (kept for the record; NAB scores the flags)" })),
  },
  { title: 'DetectorFlag' },
)
export type DetectorFlag = Static<typeof DetectorFlag>

export const MAX_DETECTOR_FLAGS = 1_000_000

export const DetectorScoreBody = Type.Object(
  {
    start: IsoTime,
    end: IsoTime,
    flags: Type.Array(DetectorFlag, { maxItems: MAX_DETECTOR_FLAGS }),
    streams: Type.Optional(Type.Array(StreamName, { description: 'the streams the detector watched; all when absent' })),
    threshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
  },
  { title: 'DetectorScoreBody' },
)
export type DetectorScoreBody = Static<typeof DetectorScoreBody>

const Counts = {
  windows: Type.Integer({ minimum: 0 }),
  truePositives: Type.Integer({ minimum: 0, description: 'windows detected' }),
  falsePositives: Type.Integer({ minimum: 0, description: 'flags outside every window' }),
  missed: Type.Integer({ minimum: 0, description: 'windows without a flag' }),
  precision: Type.Number({ description: 'over 5-minute buckets: flagged buckets inside a window ÷ flagged buckets' }),
  recall: Type.Number({ description: 'over 5-minute buckets: flagged buckets inside a window ÷ buckets inside a window' }),
  f1: Type.Number(),
  falseAlarmsPerBaselineDay: Type.Number({ description: 'false positives ÷ days outside every window' }),
}

export const DetectorScoreResponse = Type.Object(
  {
    timeRange: Type.Object({ start: IsoTime, end: IsoTime }),
    threshold: Type.Number(),
    scores: Type.Object(
      { standard: Type.Number(), reward_low_FP: Type.Number(), reward_low_FN: Type.Number() },
      { description: 'NAB scores, normalized: 0 for the null detector, 100 for a flag at the start of every window' },
    ),
    overall: Type.Object(Counts),
    streams: Type.Record(
      StreamName,
      Type.Object({
        ...Counts,
        scores: Type.Object({ standard: Type.Number(), reward_low_FP: Type.Number(), reward_low_FN: Type.Number() }),
        detections: Type.Array(
          Type.Object({ start: IsoTime, end: IsoTime, detectedAt: Type.Union([IsoTime, Type.Null()]), timeToDetectSeconds: Type.Union([Type.Number(), Type.Null()]) }),
          { description: 'per window: the first flag in it, and how long after the window opened' },
        ),
      }),
    ),
  },
  { title: 'DetectorScoreResponse' },
)
export type DetectorScoreResponse = Static<typeof DetectorScoreResponse>
