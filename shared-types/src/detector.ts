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
