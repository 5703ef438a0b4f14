import { Type, type Static } from '@sinclair/typebox'
import { AnomalyFlag, Duration, IsoTime, Literals, StreamName } from './common.js'

/** One event of one stream; `seq` is additive (strictly increasing over the whole timeline). */
export const StreamEvent = Type.Object(
  {
    stream: StreamName,
    timestamp: IsoTime,
    data: Type.Record(Type.String(), Type.Unknown(), { description: 'Stream payload (see GET /api/streams for its fields)' }),
    normalizedValue: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: '0-100, 50 = expected at this time' })),
    anomalyFlag: Type.Optional(AnomalyFlag),
    seq: Type.Optional(Type.Integer({ minimum: 1, description: 'Timeline sequence number (additive field)' })),
  },
  { title: 'StreamEvent' },
)
export type StreamEvent = Static<typeof StreamEvent>

/** GET /api/simulation/events: the latest events of the shared timeline, oldest first. */
export const RecentEventsResponse = Type.Object({ events: Type.Array(StreamEvent) }, { title: 'RecentEventsResponse' })
export type RecentEventsResponse = Static<typeof RecentEventsResponse>

export const EVENT_TYPES = ['marketing', 'product', 'infrastructure', 'academic', 'competitive', 'operational'] as const
export const EventType = Literals(EVENT_TYPES, { title: 'EventType' })
export type EventType = Static<typeof EventType>

export const SEVERITIES = ['info', 'warning', 'critical'] as const
export const Severity = Literals(SEVERITIES, { title: 'Severity' })
export type Severity = Static<typeof Severity>

export const DIRECTIONS = ['increase', 'decrease', 'mixed'] as const
export const Direction = Literals(DIRECTIONS)
export type Direction = Static<typeof Direction>

export const MAGNITUDES = ['low', 'medium', 'high'] as const
export const Magnitude = Literals(MAGNITUDES)
export type Magnitude = Static<typeof Magnitude>

export const ExpectedImpact = Type.Object({
  streams: Type.Array(StreamName),
  direction: Direction,
  magnitude: Magnitude,
  duration: Type.String({ description: 'A duration such as "2 weeks", or "Ongoing"' }),
})
export type ExpectedImpact = Static<typeof ExpectedImpact>

/** Shared fields of an external event; only the timestamp differs between a definition and an instance. */
const externalEventFields = {
  id: Type.String({ minLength: 1 }),
  type: EventType,
  title: Type.String({ minLength: 1 }),
  description: Type.String({ minLength: 1 }),
  severity: Severity,
  expectedImpact: ExpectedImpact,
  icon: Type.String({ minLength: 1 }),
  externalLink: Type.Optional(Type.String({ minLength: 1 })),
  injectedByAI: Type.Optional(Type.Boolean()),
}

/** A marketplace happening on the timeline, with its resolved time. */
export const ExternalEvent = Type.Object({ ...externalEventFields, timestamp: IsoTime }, { title: 'ExternalEvent' })
export type ExternalEvent = Static<typeof ExternalEvent>

/** An external event as written in a scenario file: `timestamp` is `now`, ISO or `+N unit`. */
export const ScenarioEventDef = Type.Object(
  { ...externalEventFields, timestamp: Type.String({ minLength: 1, description: '"now", an ISO time, or "+<int> <unit>"' }) },
  { additionalProperties: false },
)
export type ScenarioEventDef = Static<typeof ScenarioEventDef>

