import { Type, type Static } from '@sinclair/typebox'
import { IsoTime, Literals, StreamName } from './common.js'
import { ExternalEvent } from './events.js'

/**
 * The share of a stream's events with the outcome that matters (the gateway's failed attempts):
 * a mix can change while the count does not, so it is observed and judged on its own.
 */
export const ShareMeasure = Type.Object(
  {
    field: Type.String(),
    value: Type.String(),
    observed: Type.Number({ minimum: 0, maximum: 1, description: 'share of the events with that value' }),
    expected: Type.Number({ minimum: 0, maximum: 1, description: 'the baseline share' }),
    normalized: Type.Number({ minimum: 0, maximum: 100, description: '0-100: the observed share against the expected one for as many events' }),
  },
  {
    title: 'ShareMeasure',
    description: 'streams whose meaning is a mix of outcomes (additive): the share that matters, on points whose bucket has events',
  },
)
export type ShareMeasure = Static<typeof ShareMeasure>

export const HistoryPoint = Type.Object(
  {
    timestamp: IsoTime,
    value: Type.Number({ description: 'raw bucket measure: an event count, or a level for snapshot streams' }),
    normalized: Type.Number({ minimum: 0, maximum: 100, description: '0-100 against the expected value for this bucket' }),
    partial: Type.Optional(
      Type.Boolean({
        description: 'true on the bucket still filling at the current simulated time (absent on complete ones): its value counts what happened so far, its normalized compares it with what was expected for that elapsed part',
      }),
    ),
    share: Type.Optional(ShareMeasure),
  },
  { title: 'HistoryPoint' },
)
export type HistoryPoint = Static<typeof HistoryPoint>

export const StreamBaseline = Type.Object(
  {
    name: StreamName,
    mean: Type.Number(),
    median: Type.Number(),
    stdDev: Type.Number(),
    min: Type.Number(),
    max: Type.Number(),
    percentiles: Type.Object({ p25: Type.Number(), p50: Type.Number(), p75: Type.Number(), p90: Type.Number(), p95: Type.Number() }),
    patterns: Type.Object({
      weekdayAvg: Type.Number(),
      weekendAvg: Type.Number(),
      trend: Type.String({ description: "'increasing' | 'stable' | 'decreasing'" }),
      seasonality: Type.String({ description: "e.g. 'exam_season' | 'summer' | 'back_to_school' | 'holidays' | 'none'" }),
    }),
  },
  { title: 'StreamBaseline' },
)
export type StreamBaseline = Static<typeof StreamBaseline>

export const BaselineStatistics = Type.Object(
  { calculatedFrom: Type.String(), streams: Type.Record(StreamName, StreamBaseline) },
  { title: 'BaselineStatistics' },
)
export type BaselineStatistics = Static<typeof BaselineStatistics>

export const HISTORY_INTERVALS = ['5m', '15m', '1h', '6h', '12h', '1d'] as const
export const HistoryInterval = Literals(HISTORY_INTERVALS, { default: '12h' })
export type HistoryInterval = Static<typeof HistoryInterval>

export const HistoryQuery = Type.Object(
  {
    start: Type.String({ description: 'ISO-8601, inclusive' }),
    end: Type.String({ description: 'ISO-8601, inclusive' }),
    streams: Type.Optional(Type.String({ description: 'comma-separated stream names; default all 50' })),
    interval: Type.Optional(HistoryInterval),
    world: Type.Optional(
      Type.Union([Type.Literal('current'), Type.Literal('baseline')], {
        description:
          'current (default): the world as it stands, scenarios included; baseline: the same window from the world without any scenario (the counterfactual a scenario is measured against; additive)',
      }),
    ),
  },
  { title: 'HistoryQuery' },
)
export type HistoryQuery = Static<typeof HistoryQuery>

export const HistoryResponse = Type.Object(
  {
    timeRange: Type.Object({ start: IsoTime, end: IsoTime }),
    streams: Type.Record(StreamName, Type.Array(HistoryPoint)),
    events: Type.Array(ExternalEvent, { description: 'timeline events with start ≤ timestamp ≤ end' }),
    baselineStats: Type.Optional(Type.Record(StreamName, StreamBaseline)),
  },
  { title: 'HistoryResponse' },
)
export type HistoryResponse = Static<typeof HistoryResponse>
