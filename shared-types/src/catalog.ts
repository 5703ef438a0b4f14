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
    cv: Type.Number({ description: 'coefficient of variation of the hourly rate' }),
    timeOfDay: Type.Boolean(),
    dayOfWeek: Type.Boolean(),
    measure: Measure,
    payloadFields: Type.Record(Type.String(), FieldDomain, { description: 'payload field → value domain' }),
  },
  { title: 'StreamInfo' },
)
export type StreamInfo = Static<typeof StreamInfo>

export const StreamCatalogResponse = Type.Object(
  { count: Type.Integer(), streams: Type.Array(StreamInfo) },
  { title: 'StreamCatalogResponse' },
)
export type StreamCatalogResponse = Static<typeof StreamCatalogResponse>
