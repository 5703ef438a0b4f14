import { Type, type Static } from '@sinclair/typebox'
import { IsoTime } from './common.js'
import { ExternalEvent } from './events.js'
import { ScenarioModifier } from './scenario.js'

export const SimulationState = Type.Object(
  {
    baselineState: Type.Union([Type.Literal('normal'), Type.Literal('custom')], { description: 'custom while a scenario is active or settling' }),
    activeModifiers: Type.Array(ScenarioModifier),
    activeEvents: Type.Array(ExternalEvent),
    historicalMode: Type.Union([Type.Literal('baseline'), Type.Literal('modified')]),
    currentSimulationTime: IsoTime,
    lastModified: IsoTime,
  },
  { title: 'SimulationState' },
)
export type SimulationState = Static<typeof SimulationState>

export const MAX_CLOCK_SPEED = 3600

/** The virtual clock: simulated time and how fast it runs against real time (0 = paused). */
export const ClockState = Type.Object(
  {
    currentSimulationTime: IsoTime,
    speed: Type.Number({ minimum: 0, maximum: MAX_CLOCK_SPEED }),
    paused: Type.Boolean(),
    seed: Type.Integer({ minimum: 0, description: 'the world\'s seed (SIM_SEED): the same seed and live start give the same world' }),
    liveStartTime: IsoTime,
    historyStartTime: IsoTime,
    offsetMs: Type.Integer({
      description:
        'the clock minus the wall clock, in milliseconds: 0 while a live clock (SIM_START unset) runs at 1×; a pause or another speed makes it visible and it stays across restarts',
    }),
    live: Type.Boolean({
      description:
        'true when the clock belongs to the wall clock (SIM_START unset): with offsetMs 0 it is live now, otherwise `{ "live": true }` brings it back; false for a fixed SIM_START',
    }),
    effectiveSpeed: Type.Optional(
      Type.Number({
        minimum: 0,
        description: 'on a running server, the speed the world really ran at over the last 5 s: below `speed` when the server sheds load',
      }),
    ),
    lagMs: Type.Optional(Type.Integer({ minimum: 0, description: 'on a running server, simulated milliseconds the world is behind its clock' })),
  },
  { title: 'ClockState', description: 'seed, liveStartTime, historyStartTime, offsetMs, live, effectiveSpeed and lagMs are additive fields' },
)
export type ClockState = Static<typeof ClockState>

/** Exactly one of the two: a speed, or back to the wall clock. */
export const ClockBody = Type.Object(
  {
    speed: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_CLOCK_SPEED, description: 'simulated seconds per real second; 0 pauses' })),
    live: Type.Optional(
      Type.Literal(true, { description: 'back to the wall clock at 1×, simulating forward to it (never backward); additive' }),
    ),
  },
  { title: 'ClockBody', additionalProperties: false, minProperties: 1, maxProperties: 1, description: 'exactly one of speed and live' },
)
export type ClockBody = Static<typeof ClockBody>

export const HealthResponse = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')], { description: 'degraded: still serving, with the reasons listed' }),
    reasons: Type.Optional(
      Type.Array(
        Type.Object({ code: Type.String(), message: Type.String(), since: Type.String({ format: 'date-time' }) }),
        { description: 'present when degraded: what is wrong and since when' },
      ),
    ),
  },
  { title: 'HealthResponse' },
)
export type HealthResponse = Static<typeof HealthResponse>
