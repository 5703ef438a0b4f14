import { Type, type Static } from '@sinclair/typebox'
import { IsoTime, StreamName } from './common.js'

export const CorrelationData = Type.Object(
  {
    eventId: Type.String(),
    stream: StreamName,
    strength: Type.Number({ minimum: -1, maximum: 1 }),
    direction: Type.Union([Type.Literal('positive'), Type.Literal('negative'), Type.Literal('none')]),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    sampleSize: Type.Integer({ minimum: 0 }),
    startTime: IsoTime,
    endTime: IsoTime,
    baselineMean: Type.Number(),
    eventMean: Type.Number(),
    changeMagnitude: Type.Number({ description: 'percent change of eventMean against baselineMean' }),
  },
  { title: 'CorrelationData' },
)
export type CorrelationData = Static<typeof CorrelationData>

export const CorrelationsResponse = Type.Object(
  { count: Type.Integer({ minimum: 0 }), correlations: Type.Array(CorrelationData) },
  { title: 'CorrelationsResponse' },
)
export type CorrelationsResponse = Static<typeof CorrelationsResponse>
