/**
 * The formats of the files in config/. Objects are closed (`additionalProperties: false`) so a
 * misspelt key is an error at start, not a silently ignored setting. Semantic checks that a
 * schema cannot express (stream names exist, durations parse, branch probabilities sum to 1)
 * live in the server's config loader.
 */
import { Type, type Static, type TProperties, type ObjectOptions } from '@sinclair/typebox'
import { Domain, Duration, Literals, StreamName } from './common.js'
import { Direction, EventType, ExpectedImpact, ScenarioEventDef, Severity } from './events.js'
import { SettlementType } from './scenario.js'

function Closed<T extends TProperties>(properties: T, options?: ObjectOptions) {
  return Type.Object(properties, { additionalProperties: false, ...options })
}

const Probability = Type.Number({ minimum: 0, maximum: 1 })
const Hour = Type.Integer({ minimum: 0, maximum: 24 })

// ---- streams.json ------------------------------------------------------------

export const CADENCES = ['high', 'medium', 'low', 'veryLow'] as const
export const Cadence = Literals(CADENCES, { description: 'scheduling class, not a rate band' })
export type Cadence = Static<typeof Cadence>

export const MEASURES = ['count', 'level'] as const
export const Measure = Literals(MEASURES, { description: 'count: a history point counts events; level: it averages a snapshot field' })
export type Measure = Static<typeof Measure>

const fieldCommon = {
  optional: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'share of events carrying the field' })),
  description: Type.Optional(Type.String()),
}
const Scalar = Type.Union([Type.String(), Type.Number()])

export const FieldDomain = Type.Union(
  [
    Closed({ type: Type.Literal('id'), prefix: Type.String({ minLength: 1 }), ...fieldCommon }),
    Closed({ type: Type.Literal('indexedId'), prefix: Type.String({ minLength: 1 }), min: Type.Integer(), max: Type.Integer(), ...fieldCommon }),
    Closed({
      type: Type.Literal('enum'),
      values: Type.Array(Scalar, { minItems: 1 }),
      weights: Type.Optional(Type.Array(Type.Number({ minimum: 0 }), { minItems: 1 })),
      ...fieldCommon,
    }),
    Closed({ type: Type.Literal('int'), min: Type.Integer(), max: Type.Integer(), ...fieldCommon }),
    Closed({ type: Type.Literal('number'), min: Type.Number(), max: Type.Number(), decimals: Type.Integer({ minimum: 0, maximum: 6 }), ...fieldCommon }),
    Closed({
      type: Type.Literal('subset'),
      values: Type.Array(Scalar, { minItems: 1 }),
      min: Type.Integer({ minimum: 0 }),
      max: Type.Integer({ minimum: 1 }),
      ...fieldCommon,
    }),
    Closed({ type: Type.Literal('datetime'), rule: Type.String(), ...fieldCommon }),
    Closed({ type: Type.Literal('date'), rule: Type.String(), ...fieldCommon }),
    Closed({ type: Type.Literal('ipv4'), ...fieldCommon }),
    Closed({ type: Type.Literal('pattern'), pattern: Type.String({ minLength: 1 }), ...fieldCommon }),
    Closed({ type: Type.Literal('text'), examples: Type.Array(Type.String(), { minItems: 1 }), ...fieldCommon }),
    Closed({ type: Type.Literal('object'), rule: Type.String(), ...fieldCommon }),
  ],
  { title: 'FieldDomain' },
)
export type FieldDomain = Static<typeof FieldDomain>

export const PeakWindow = Closed({ from: Hour, to: Hour, factor: Type.Number({ exclusiveMinimum: 0 }) })
export type PeakWindow = Static<typeof PeakWindow>

export const StreamDef = Closed(
  {
    name: StreamName,
    domain: Domain,
    description: Type.String({ minLength: 1 }),
    cadence: Cadence,
    cv: Type.Number({ minimum: 0, maximum: 2 }),
    timeOfDay: Type.Boolean(),
    dayOfWeek: Type.Boolean(),
    peak: Type.Optional(PeakWindow),
    eventsPerDay: Type.Number({ exclusiveMinimum: 0 }),
    derivation: Type.Optional(Type.String()),
    measure: Measure,
    levelField: Type.Optional(Type.String({ description: 'for measure "level": the payload field a history point averages' })),
    override: Type.Optional(
      Closed({
        field: Type.String({ description: "an enum payload field that is an outcome chain's outcomeField" }),
        value: Type.String({ description: 'the value whose share a scenario override sets (in percent)' }),
        description: Type.Optional(Type.String()),
      }),
    ),
    payload: Type.Record(Type.String(), FieldDomain),
  },
  { title: 'StreamDef' },
)
export type StreamDef = Static<typeof StreamDef>

export const StreamsFile = Closed(
  {
    volumeTargets: Closed({
      students: Type.Integer({ minimum: 1 }),
      tutors: Type.Integer({ minimum: 1 }),
      completedSessionsPerDay: Type.Number({ exclusiveMinimum: 0 }),
    }),
    weather: Type.Optional(
      Closed(
        {
          cvScale: Type.Number({ minimum: 0, maximum: 1, description: "a root's persistent rate deviation has cv = its catalog cv × this" }),
          correlationHours: Type.Number({ exclusiveMinimum: 0, maximum: 720, description: 'e-folding time of the deviation, in hours' }),
        },
        { description: 'the persistent, hour-to-hour correlated deviation of root rates from their calendar shape (log-normal AR(1))' },
      ),
    ),
    streams: Type.Array(StreamDef, { minItems: 1 }),
  },
  { title: 'StreamsFile' },
)
export type StreamsFile = Static<typeof StreamsFile>

// ---- relationships.json --------------------------------------------------------

export const ChainBranch = Closed({
  stream: Type.Union([StreamName, Type.Null()], { description: 'null: the branch produces no event' }),
  probability: Probability,
  range: Type.Optional(Type.Tuple([Probability, Probability], { description: '[min, max] the spec allows' })),
  delay: Type.Optional(Type.String({ description: 'e.g. "0-24 hours", "24 hours", "immediate"; counted from the anchor' })),
  anchor: Type.Optional(
    Literals(['scheduled_time', 'before_scheduled_time', 'weekly_payout'] as const, {
      description: 'what the delay counts from (default: the trigger event); before_scheduled_time counts back',
    }),
  ),
  label: Type.Optional(Type.String()),
  count: Type.Optional(
    Type.Tuple([Type.Integer({ minimum: 1 }), Type.Integer({ minimum: 1 })], { description: '[min, max] events per trigger (uniform); default one' }),
  ),
  condition: Type.Optional(Type.String({ description: 'only trigger events whose payload matches, e.g. "rating_score < 3"; probability is then conditional' })),
  value: Type.Optional(Type.String({ description: "with the chain's outcomeField: the trigger's payload value that this branch means" })),
  then: Type.Optional(Type.String({ description: 'a deferred chain decided when this branch comes due (its anchor + delay)' })),
})
export type ChainBranch = Static<typeof ChainBranch>

export const Chain = Closed({
  id: Type.String({ minLength: 1 }),
  trigger: StreamName,
  mode: Literals(['outcome', 'independent'] as const, { description: 'outcome: exactly one branch; independent: each on its own' }),
  description: Type.Optional(Type.String()),
  outcomeField: Type.Optional(Type.String({ description: "outcome chains: the trigger's payload field that carries the chosen branch's value" })),
  deferred: Type.Optional(Type.Boolean({ description: "not fired by the trigger itself but by another chain's branch with `then`, at that branch's time" })),
  branches: Type.Array(ChainBranch, { minItems: 1 }),
})
export type Chain = Static<typeof Chain>

export const CascadeDef = Closed({
  trigger: StreamName,
  target: StreamName,
  multiplier: Type.Number({ exclusiveMinimum: 0 }),
  delay: Type.String(),
  condition: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
})
export type CascadeDef = Static<typeof CascadeDef>

export const RelationshipsFile = Closed(
  {
    chains: Type.Array(Chain),
    cascades: Type.Array(CascadeDef),
    cascadePolicy: Closed({
      window: Duration,
      maxCombinedMultiplier: Type.Number({ minimum: 1 }),
      minCombinedMultiplier: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    }),
    correlations: Type.Array(Closed({ supply: StreamName, demand: StreamName, r: Type.Number({ minimum: -1, maximum: 1 }) })),
    temporal: Type.Array(Closed({ before: StreamName, after: StreamName, delay: Type.String() })),
  },
  { title: 'RelationshipsFile' },
)
export type RelationshipsFile = Static<typeof RelationshipsFile>

// ---- calendar.json ---------------------------------------------------------------

export const Season = Closed({
  name: Type.String({ minLength: 1 }),
  months: Type.Array(Type.Integer({ minimum: 1, maximum: 12 }), { minItems: 1 }),
  isoWeeks: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 53 }), { minItems: 1 })),
  factor: Type.Number({ exclusiveMinimum: 0 }),
})
export type Season = Static<typeof Season>

export const CalendarFile = Closed(
  {
    utcOffsetHours: Type.Number({ minimum: -12, maximum: 14, description: 'local time of the marketplace' }),
    timeOfDay: Closed({
      peak: PeakWindow,
      offHours: Type.Array(Type.Integer({ minimum: 0, maximum: 23 })),
      offFactor: Type.Number({ exclusiveMinimum: 0 }),
      shoulderFactor: Type.Number({ exclusiveMinimum: 0 }),
    }),
    dayOfWeek: Closed({
      weekendDays: Type.Array(Type.Integer({ minimum: 0, maximum: 6 })),
      weekendFactor: Type.Number({ exclusiveMinimum: 0 }),
    }),
    seasons: Type.Array(Season, { description: 'first match wins; list the more specific first' }),
    growth: Closed({ monthlyRate: Type.Number({ minimum: -0.5, maximum: 1 }) }),
  },
  { title: 'CalendarFile' },
)
export type CalendarFile = Static<typeof CalendarFile>

// ---- scenarios/*.json --------------------------------------------------------------

export const PayloadShift = Type.Record(
  Type.String(),
  Type.Union([
    Closed({ weights: Type.Record(Type.String(), Type.Number({ minimum: 0 })) }),
    Closed({ scale: Type.Number({ exclusiveMinimum: 0 }) }),
  ]),
  { description: 'bends payload fields while the scenario is in force' },
)
export type PayloadShift = Static<typeof PayloadShift>

export const StreamModificationDef = Closed({
  multiplier: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  additive: Type.Optional(Type.Number()),
  override: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  probabilityShift: Type.Optional(Type.Record(StreamName, Type.Number({ minimum: -1, maximum: 1 }))),
  payloadShift: Type.Optional(PayloadShift),
  description: Type.Optional(Type.String()),
})
export type StreamModificationDef = Static<typeof StreamModificationDef>

export const ScenarioCascadeDef = Closed({
  trigger: StreamName,
  effect: Type.Record(
    StreamName,
    Closed({
      multiplier: Type.Number({ exclusiveMinimum: 0 }),
      delay: Type.String(),
      description: Type.Optional(Type.String()),
      condition: Type.Optional(Type.String()),
    }),
  ),
})
export type ScenarioCascadeDef = Static<typeof ScenarioCascadeDef>

export const ScenarioDefinition = Closed(
  {
    id: Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', description: 'kebab-case' }),
    name: Type.String({ minLength: 1 }),
    description: Type.String({ minLength: 1 }),
    duration: Duration,
    settlementDuration: Type.Optional(Duration),
    settlementType: Type.Optional(SettlementType),
    affectedStreams: Type.Record(StreamName, StreamModificationDef),
    cascadeEffects: Type.Optional(Type.Array(ScenarioCascadeDef)),
    externalEvents: Type.Array(ScenarioEventDef),
    metadata: Type.Optional(
      Closed({ category: Type.String(), tags: Type.Array(Type.String()), typicalTrigger: Type.Optional(Type.String()) }),
    ),
  },
  { title: 'ScenarioDefinition' },
)
export type ScenarioDefinition = Static<typeof ScenarioDefinition>

export const ScenarioIndexFile = Closed(
  {
    scenarios: Type.Array(
      Closed({
        id: Type.String({ minLength: 1 }),
        name: Type.String({ minLength: 1 }),
        file: Type.String({ pattern: '^[a-z0-9-]+\\.json$' }),
        category: Type.String(),
        tags: Type.Array(Type.String()),
      }),
      { minItems: 1 },
    ),
  },
  { title: 'ScenarioIndexFile' },
)
export type ScenarioIndexFile = Static<typeof ScenarioIndexFile>

// ---- external-events.json ------------------------------------------------------------

const FactorByMagnitude = Closed({
  low: Type.Number({ exclusiveMinimum: 0 }),
  medium: Type.Number({ exclusiveMinimum: 0 }),
  high: Type.Number({ exclusiveMinimum: 0 }),
})

export const EventTemplate = Closed({
  key: Type.String({ pattern: '^[a-z0-9_]+$' }),
  type: EventType,
  title: Type.String({ minLength: 1 }),
  description: Type.String({ minLength: 1 }),
  severity: Severity,
  expectedImpact: ExpectedImpact,
  streamDirections: Type.Optional(Type.Record(StreamName, Direction)),
  timing: Type.String(),
  months: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 12 }), { minItems: 1 })),
  icon: Type.String({ minLength: 1 }),
  externalLink: Type.Optional(Type.String()),
})
export type EventTemplate = Static<typeof EventTemplate>

const PerDayRange = Type.Tuple([Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 0 })])

export const ExternalEventsFile = Closed(
  {
    categories: Type.Record(
      EventType,
      Closed({ label: Type.String(), icon: Type.String(), severities: Type.Array(Severity, { minItems: 1 }) }),
    ),
    impactFactors: Closed({ increase: FactorByMagnitude, decrease: FactorByMagnitude, mixed: FactorByMagnitude }),
    templates: Type.Array(EventTemplate, { minItems: 1 }),
    background: Closed({
      weekdayPerDay: PerDayRange,
      weekendPerDay: PerDayRange,
      averagePerDay: Type.Number({ minimum: 0 }),
      causalShare: Probability,
      randomAnomalyShare: Probability,
      randomAnomalyMaxDeviation: Type.Number({ minimum: 0, maximum: 1 }),
    }),
  },
  { title: 'ExternalEventsFile' },
)
export type ExternalEventsFile = Static<typeof ExternalEventsFile>

