import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ActivateScenarioBody, ActivateScenarioResponse, ResetResponse, ScenarioListResponse, StopResponse } from '@marketsim/shared-types'
import { formatIso } from '../sim/payload.js'
import { CONTROL_SECURITY, controlErrors, noInput } from './schemas.js'

/** The scenario list and the controls a presenter presses. */
const scenarios: FastifyPluginAsyncTypebox = async (app) => {
  const ready = async () => app.streams.assertReady()
  // The guard before readiness: a caller without the token learns nothing, not even "starting".
  const onRequest = [app.controls.guard, ready]

  app.get(
    '/simulation/scenarios',
    {
      schema: {
        operationId: 'listScenarios',
        tags: ['scenarios'],
        summary: 'The pre-defined scenarios',
        description: 'Every scenario that POST /api/simulation/scenario can activate, from config/scenarios.',
        response: { 200: ScenarioListResponse },
      },
    },
    async () => ({ scenarios: [...app.scenarios.summaries] }),
  )

  app.post(
    '/simulation/scenario',
    {
      onRequest,
      config: { validationCode: 'INVALID_SCENARIO' },
      schema: {
        operationId: 'activateScenario',
        tags: ['scenarios'],
        summary: 'Activate a scenario',
        description:
          'Starts a scenario now, or with `startTime` (ISO, in the past, inside the history) as if it had started then: ' +
          'the world is re-simulated from that moment (the past before it unchanged) and continues live from the new past. ' +
          'One scenario at a time; `normal-operations` acts as reset and is accepted at any time.',
        body: ActivateScenarioBody,
        security: CONTROL_SECURITY,
        response: { 200: ActivateScenarioResponse, ...controlErrors(400, 404, 409, 503) },
      },
    },
    async (req) => {
      const start = req.body.startTime === undefined ? undefined : Date.parse(req.body.startTime)
      const result = await app.simulation.control(() => app.simulation.scenarios.activate(req.body.scenarioId, start))
      req.log.info(
        { control: 'activate', scenarioId: req.body.scenarioId, ...('reset' in result ? { reset: true } : { runId: result.scenario.id, startTime: result.scenario.startTime }) },
        `control: scenario ${req.body.scenarioId} activated`,
      )
      if ('reset' in result) {
        const now = formatIso(app.simulation.sim.now)
        return {
          success: true,
          scenario: {
            id: 'mod_000',
            type: req.body.scenarioId,
            description: 'Normal Operations',
            startTime: now,
            duration: '0',
            affectedStreams: {},
            cascadeEffects: [],
            relatedEvents: [],
            status: 'settled' as const,
            settlementDuration: '0',
            settlementType: 'immediate' as const,
            lifecycleState: 'settled' as const,
          },
          events: [],
          estimatedDuration: '0',
        }
      }
      return { success: true, ...result }
    },
  )

  app.post(
    '/simulation/stop',
    {
      onRequest,
      preValidation: noInput,
      schema: {
        operationId: 'stopScenario',
        tags: ['scenarios'],
        summary: 'Stop the running scenario',
        description: 'The active scenario starts settling now; `settlingUntil` is when it will have settled. With nothing active or settling: 400 NO_ACTIVE_SCENARIO.',
        security: CONTROL_SECURITY,
        response: { 200: StopResponse, ...controlErrors(400, 503) },
      },
    },
    async (req) => {
      const r = await app.simulation.control(() => app.simulation.scenarios.stop())
      req.log.info({ control: 'stop', runId: r.run.id, scenarioId: r.run.def.id, settlingUntil: formatIso(r.settlingUntil) }, `control: scenario ${r.run.def.id} stopped, settling`)
      return { success: true, settlingUntil: formatIso(r.settlingUntil), scenario: { id: r.run.id, state: r.state } }
    },
  )

  app.post(
    '/simulation/reset',
    {
      onRequest,
      preValidation: noInput,
      schema: {
        operationId: 'resetSimulation',
        tags: ['scenarios'],
        summary: 'Reset to baseline',
        description: 'Clears every scenario, its events and cascades at once and restores the baseline past; the live stream continues from it.',
        security: CONTROL_SECURITY,
        response: { 200: ResetResponse, ...controlErrors(400, 503) },
      },
    },
    async (req) => {
      // Decided after any change in progress: "already at baseline" is said of the world that stands.
      const cleared = await app.simulation.control(async () => {
        const ids = app.simulation.scenarios.runs.map((r) => r.id)
        await app.simulation.scenarios.reset()
        return ids
      })
      const had = cleared.length
      req.log.info({ control: 'reset', cleared }, 'control: reset to baseline')
      return { success: true, message: had ? 'Simulation reset to baseline' : 'Already at baseline' }
    },
  )
}
export default scenarios
