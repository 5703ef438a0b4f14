import { Type, type Static } from '@sinclair/typebox'
import { IsoTime, Literals, StreamName } from './common.js'

export const EFFECT_CAUSES = ['scenario', 'scenario-event', 'background-event', 'random-anomaly', 'cascade'] as const
export const EffectCause = Literals(EFFECT_CAUSES)

/** One effect the simulator applied to one stream: the answer key for anomaly detectors. */
export const GroundTruthEffect = Type.Object(
  {
    id: Type.String(),
    stream: StreamName,
    cause: Type.Object({
      kind: EffectCause,
      id: Type.String({ description: 'scenario instance, event id, anomaly id or cascade rule id' }),
      name: Type.String(),
      scenarioId: Type.Optional(Type.String()),
    }),
    mechanism: Literals(['rate', 'branch-share', 'outcome-share', 'knock-on'] as const, {
      description:
        'rate: arrivals scaled; branch-share: the probability of the branch producing the stream; outcome-share: a forced share of an outcome; knock-on: the stream moves downstream of an effect on another stream (its factors are the expected ratio)',
    }),
    declaredFactor: Type.Number({ description: 'the factor at full strength (a share ratio for outcome-share)' }),
    onset: IsoTime,
    peak: Type.Object({ timestamp: IsoTime, factor: Type.Number() }),
    settleEnd: Type.Union([IsoTime, Type.Null()], { description: 'when the effect is gone; null while open-ended' }),
    shows: Type.Optional(
      Type.Object(
        {
          from: IsoTime,
          until: IsoTime,
          peakExpectedRatio: Type.Number(),
        },
        {
          description:
            "where and how the effect shows in the stream's count: the span in which its expected ratio over the hour from each 15-minute sample departs from 1 by more than 3%, and its peak there. A factor on a decision taken ahead (a request's expiry, a session's cancellation, an approval) shows later and spread out; absent where the count does not move that much",
        },
      ),
    ),
    factors: Type.Array(
      Type.Object({
        timestamp: IsoTime,
        factor: Type.Number(),
        expectedRatio: Type.Number({
          description:
            "the stream's expected count over the 15 minutes from timestamp with the cause's kind of effect ÷ without it (scenarios: the world ÷ the world without its scenarios; background events, anomalies and always-on cascades: the world without scenarios ÷ the pure baseline), from the expectation that normalizes",
        }),
      }),
      { description: 'the factor applied over time (on the query range, every 15 minutes; 1 = no effect)' },
    ),
  },
  { title: 'GroundTruthEffect' },
)
export type GroundTruthEffect = Static<typeof GroundTruthEffect>

export const GroundTruthResponse = Type.Object(
  {
    timeRange: Type.Object({ start: IsoTime, end: IsoTime }),
    count: Type.Integer({ minimum: 0 }),
    effects: Type.Array(GroundTruthEffect),
  },
  { title: 'GroundTruthResponse' },
)
export type GroundTruthResponse = Static<typeof GroundTruthResponse>
