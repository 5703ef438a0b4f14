import { Type, type Static } from '@sinclair/typebox'
import { Domain, StreamName } from './common.js'
import { Cadence, FieldDomain, Measure } from './config.js'

/** One stream as GET /api/streams describes it. */
export const StreamInfo = Type.Object(
  {
    name: StreamName,
    domain: Domain,
    description: Type.String(),
    cadence: Cadence,
    baselineRatePerHour: Type.Number({ description: 'weekday baseline events per hour before time-of-day shaping' }),
    eventsPerDay: Type.Number({ description: 'weekday baseline events per day' }),
    cv: Type.Number({ description: "the catalog's variability of the hourly rate; a root's rate carries a persistent deviation with cv = this × the weather's cvScale (README: how normalization works)" }),
    timeOfDay: Type.Boolean(),
    dayOfWeek: Type.Boolean(),
    measure: Measure,
    payloadFields: Type.Record(Type.String(), FieldDomain, { description: 'payload field → value domain' }),
    liveWindowSeconds: Type.Optional(
      Type.Number({
        description:
          "count streams: the trailing window that live events' normalizedValue/anomalyFlag and the pulse judge the stream over now, a few dozen expected events at the current rate (30 s to 30 min)",
      }),
    ),
  },
  { title: 'StreamInfo' },
)
export type StreamInfo = Static<typeof StreamInfo>

export const StreamCatalogResponse = Type.Object(
  { count: Type.Integer(), streams: Type.Array(StreamInfo) },
  { title: 'StreamCatalogResponse' },
)
export type StreamCatalogResponse = Static<typeof StreamCatalogResponse>
