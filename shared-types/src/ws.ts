import { Type, type Static } from '@sinclair/typebox'
import { AnomalyFlag, IsoTime, Literals } from './common.js'
import { ExternalEvent, StreamEvent } from './events.js'
import { ShareMeasure } from './history.js'
import { SimulationState } from './state.js'

// ---- client → server -------------------------------------------------------
// The hub compiles these schemas with the validator of the HTTP routes: the limits below are
// the ones it enforces, and the AsyncAPI document states them.

/** Topics that name no stream pattern: each turns on one kind of message (server/src/ws/topics.ts). */
export const WS_SPECIAL_TOPICS = ['anomalies', 'simulation', 'pulse'] as const
export type WsSpecialTopic = (typeof WS_SPECIAL_TOPICS)[number]

/** The longest topic and the most topics one message may carry (a topic names at most a stream). */
const MAX_TOPIC_LENGTH = 200
const MAX_TOPICS = 200

/** A subscription topic; which topics exist is decided by server/src/ws/topics.ts against the catalog. */
export const WsTopic = Type.String({
  minLength: 1,
  maxLength: MAX_TOPIC_LENGTH,
  title: 'WsTopic',
  description:
    '`*` (every stream), a domain alias (`customer.*`, `tutor.*`, `session.*`, `support.*`, `marketing.*`, `system.*`), any `<prefix>.*`, ' +
    'an exact stream name, `anomalies` (warning/critical events of every stream), `simulation` (state pushes) or `pulse` (every stream once a second)',
  examples: ['*', 'customer.*', 'customer.tutor.search', 'anomalies'],
})
const WsTopics = (description?: string) => Type.Array(WsTopic, { maxItems: MAX_TOPICS, ...(description ? { description } : {}) })

export const WsSubscribe = Type.Object(
  {
    type: Type.Literal('subscribe'),
    // In the order the hub reports a fault: the catch-up point first, then the topics.
    lastSeq: Type.Optional(Type.Integer({ minimum: 0, description: 'seq of the newest event seen: catch up after it' })),
    lastTimestamp: Type.Optional(Type.String({ format: 'date-time', description: 'ISO-8601 time, with its zone, of the newest event seen: catch up after it' })),
    topics: WsTopics('replaces the whole topic set'),
  },
  { title: 'WsSubscribe' },
)
export const WsUnsubscribe = Type.Object({ type: Type.Literal('unsubscribe'), topics: WsTopics() }, { title: 'WsUnsubscribe' })
export const WsPong = Type.Object({ type: Type.Literal('pong') }, { title: 'WsPong' })

export const WsClientMessage = Type.Union([WsSubscribe, WsUnsubscribe, WsPong], { title: 'WsClientMessage' })
export type WsClientMessage = Static<typeof WsClientMessage>
export type WsSubscribe = Static<typeof WsSubscribe>
export type WsUnsubscribe = Static<typeof WsUnsubscribe>

// ---- server → client -------------------------------------------------------

export const WsEvent = Type.Object({ type: Type.Literal('event'), data: StreamEvent }, { title: 'WsEvent' })
export const WsBatch = Type.Object({ type: Type.Literal('batch'), events: Type.Array(StreamEvent) }, { title: 'WsBatch' })
export const WsSubscribed = Type.Object(
  { type: Type.Literal('subscribed'), topics: Type.Array(Type.String(), { description: 'the full current set' }) },
  { title: 'WsSubscribed' },
)
export const WsUnsubscribed = Type.Object(
  { type: Type.Literal('unsubscribed'), topics: Type.Array(Type.String(), { description: 'echo of the requested topics' }) },
  { title: 'WsUnsubscribed' },
)
export const WsCatchup = Type.Object(
  {
    type: Type.Literal('catchup'),
    events: Type.Array(StreamEvent),
    catchUpEndTime: IsoTime,
    complete: Type.Boolean({
      description:
        'true only on the final part, and only when the buffer still reached back to the requested point (false there: refetch history for the gap); ' +
        'false on every earlier part, which does not yet hold every event after the point',
    }),
    final: Type.Optional(Type.Boolean({ description: 'true on the last part of this catch-up; live events follow it' })),
    part: Type.Optional(Type.Integer({ minimum: 1, description: 'the part number, from 1: a catch-up goes out in frames of bounded size' })),
  },
  {
    title: 'WsCatchup',
    description:
      'One catch-up is sent as one or more `catchup` frames (parts 1..n, in timeline order, same `catchUpEndTime`); concatenate their events. ' +
      'A client that ignores `part`/`final` still gets every event once, in order.',
  },
)
export const WS_ERROR_CODES = [
  'INVALID_JSON',
  'INVALID_MESSAGE',
  'UNKNOWN_MESSAGE_TYPE',
  'UNKNOWN_TOPIC',
  'MESSAGE_TOO_LARGE',
  // A subscribe with lastSeq/lastTimestamp past the connection's or the address's catch-up budget; nothing changed.
  'CATCHUP_RATE_LIMITED',
  // More subscribe/unsubscribe messages than may wait behind a catch-up being sent.
  'CATCHUP_IN_PROGRESS',
] as const
export type WsErrorCode = (typeof WS_ERROR_CODES)[number]

export const WsError = Type.Object(
  {
    type: Type.Literal('error'),
    code: Literals(WS_ERROR_CODES, { title: 'WsErrorCode' }),
    message: Type.String(),
    retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 1, description: 'CATCHUP_RATE_LIMITED: when the budget allows a catch-up again' })),
  },
  { title: 'WsError' },
)
export const WsPing = Type.Object({ type: Type.Literal('ping') }, { title: 'WsPing' })
/** Only for clients subscribed to the `simulation` topic. */
export const WsSimulation = Type.Object({ type: Type.Literal('simulation'), state: SimulationState }, { title: 'WsSimulation' })
/** Only for clients subscribed to the `simulation` topic. */
export const WsExternalEvent = Type.Object({ type: Type.Literal('external_event'), event: ExternalEvent }, { title: 'WsExternalEvent' })

/** How one stream stands at the pulse's time, over its trailing normalization window. */
export const PulseStream = Type.Object(
  {
    observed: Type.Number({ description: 'events in the trailing window (the level, for level streams)' }),
    expected: Type.Number({ description: 'what the baseline expects over the same window' }),
    normalized: Type.Number({ minimum: 0, maximum: 100 }),
    anomalyFlag: AnomalyFlag,
    windowSeconds: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'length of the trailing window (count streams): a few dozen expected events at the current rate, 30 s to 30 min' }),
    ),
    share: Type.Optional(
      Type.Object({ ...ShareMeasure.properties, anomalyFlag: AnomalyFlag, windowSeconds: Type.Number() }, { description: 'the share that matters over a trailing window of about 10 expected events (additive)' }),
    ),
  },
  { title: 'PulseStream' },
)
export type PulseStream = Static<typeof PulseStream>

/**
 * Only for clients subscribed to the `pulse` topic, once a second: every stream as it stands,
 * including streams that went silent (which send no events to show it).
 */
export const WsPulse = Type.Object(
  {
    type: Type.Literal('pulse'),
    time: IsoTime,
    speed: Type.Number({ minimum: 0, description: 'the clock speed, so a client can run the time on between pulses' }),
    effectiveSpeed: Type.Optional(Type.Number({ minimum: 0, description: 'the speed the world really ran at over the last 5 s (additive)' })),
    lagMs: Type.Optional(Type.Integer({ minimum: 0, description: 'simulated milliseconds the world is behind its clock (additive)' })),
    streams: Type.Record(Type.String(), PulseStream),
  },
  { title: 'WsPulse' },
)

export const WsServerMessage = Type.Union(
  [WsEvent, WsBatch, WsSubscribed, WsUnsubscribed, WsCatchup, WsError, WsPing, WsSimulation, WsExternalEvent, WsPulse],
  { title: 'WsServerMessage' },
)
export type WsServerMessage = Static<typeof WsServerMessage>
