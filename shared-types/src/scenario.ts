import { Type, type Static } from '@sinclair/typebox'
import { Duration, IsoTime, Literals, StreamName } from './common.js'
import { ExternalEvent } from './events.js'

/** How a stream is bent: multiply first, then add; an override wins over both. */
export const StreamModification = Type.Object(
  {
    multiplier: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'rate × m (1.6 = +60%)' })),
    additive: Type.Optional(Type.Number({ description: 'rate + a events/hour (result clamped ≥ 0)' })),
    override: Type.Optional(Type.Number({ description: 'stream-specific forced value, e.g. % of gateway attempts failing' })),
    probabilityShift: Type.Optional(
      Type.Record(StreamName, Type.Number({ minimum: -1, maximum: 1 }), { description: 'outcome stream → probability delta' }),
    ),
    shows: Type.Optional(
      Type.String({
        description:
          'additive: when the factor shows in the count, where that is not while the scenario runs (it bends decisions taken ahead: a request expires a day after it is made). The ground truth gives the expected ratio over time.',
      }),
    ),
  },
  { title: 'StreamModification' },
)
export type StreamModification = Static<typeof StreamModification>

/** One cascade: events of `sourceStream` lift `targetStream` after `delay`. */
export const CascadeRule = Type.Object(
  {
    sourceStream: StreamName,
    targetStream: StreamName,
    delay: Type.Optional(Type.String({ description: 'e.g. "1-6 hours", "immediate"' })),
    effect: StreamModification,
    condition: Type.Optional(Type.String({ description: 'e.g. "count >= 2 in 14 days", "rating_score < 3"' })),
  },
  { title: 'CascadeRule' },
)
export type CascadeRule = Static<typeof CascadeRule>

export const SCENARIO_STATUSES = ['active', 'settling', 'settled'] as const
export const ScenarioStatus = Literals(SCENARIO_STATUSES, { title: 'ScenarioStatus' })
export type ScenarioStatus = Static<typeof ScenarioStatus>

export const SETTLEMENT_TYPES = ['linear', 'exponential', 'immediate'] as const
export const SettlementType = Literals(SETTLEMENT_TYPES, { title: 'SettlementType' })
export type SettlementType = Static<typeof SettlementType>

/** A running (or settling) scenario instance. */
export const ScenarioModifier = Type.Object(
  {
    id: Type.String({ description: 'modifier instance id, e.g. "mod_001"' }),
    type: Type.String({ description: 'scenario id, e.g. "exam-season-surge"' }),
    description: Type.String(),
    startTime: IsoTime,
    duration: Type.Optional(Duration),
    affectedStreams: Type.Record(StreamName, StreamModification),
    cascadeEffects: Type.Array(CascadeRule),
    relatedEvents: Type.Array(Type.String(), { description: 'ExternalEvent ids injected by this scenario' }),
    status: ScenarioStatus,
    settlementDuration: Type.Optional(Duration),
    settlementType: Type.Optional(SettlementType),
    settlementStartTime: Type.Optional(IsoTime),
    lifecycleState: Type.Optional(ScenarioStatus),
    settlementProgress: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { title: 'ScenarioModifier' },
)
export type ScenarioModifier = Static<typeof ScenarioModifier>

/** One entry of GET /api/simulation/scenarios. */
export const ScenarioSummary = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    description: Type.String(),
    duration: Duration,
    settlementDuration: Type.Optional(Duration),
    settlementType: Type.Optional(SettlementType),
    category: Type.Optional(Type.String()),
    tags: Type.Optional(Type.Array(Type.String())),
    affectedStreams: Type.Optional(Type.Record(StreamName, StreamModification, { description: 'additive: what the scenario bends' })),
  },
  { title: 'ScenarioSummary' },
)
export type ScenarioSummary = Static<typeof ScenarioSummary>

export const ScenarioListResponse = Type.Object({ scenarios: Type.Array(ScenarioSummary) }, { title: 'ScenarioListResponse' })
export type ScenarioListResponse = Static<typeof ScenarioListResponse>

export const ActivateScenarioBody = Type.Object(
  {
    scenarioId: Type.String({ minLength: 1 }),
    startTime: Type.Optional(IsoTime),
  },
  { title: 'ActivateScenarioBody' },
)
export type ActivateScenarioBody = Static<typeof ActivateScenarioBody>

export const ActivateScenarioResponse = Type.Object(
  {
    success: Type.Boolean(),
    scenario: ScenarioModifier,
    events: Type.Array(ExternalEvent),
    estimatedDuration: Duration,
  },
  { title: 'ActivateScenarioResponse' },
)
export type ActivateScenarioResponse = Static<typeof ActivateScenarioResponse>

export const StopResponse = Type.Object(
  {
    success: Type.Boolean(),
    settlingUntil: IsoTime,
    scenario: Type.Optional(Type.Object({ id: Type.String(), state: Type.Union([Type.Literal('settling'), Type.Literal('settled')]) })),
  },
  { title: 'StopResponse' },
)
export type StopResponse = Static<typeof StopResponse>

export const ResetResponse = Type.Object({ success: Type.Boolean(), message: Type.String() }, { title: 'ResetResponse' })
export type ResetResponse = Static<typeof ResetResponse>
