import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ClockBody, ClockState } from '@marketsim/shared-types'
import { CONTROL_SECURITY, controlErrors, errorResponses } from './schemas.js'

/** The virtual clock: read it, pause it (speed 0) or run it up to 3600× real time. */
const clock: FastifyPluginAsyncTypebox = async (app) => {
  const ready = async () => app.streams.assertReady()

  app.get(
    '/simulation/clock',
    {
      onRequest: ready,
      schema: {
        tags: ['simulation'],
        summary: 'The virtual clock',
        response: { 200: ClockState, ...errorResponses(503) },
      },
    },
    async () => app.simulation.clockState(),
  )

  app.post(
    '/simulation/clock',
    {
      // The guard before readiness, as on every control.
      onRequest: [app.controls.guard, ready],
      schema: {
        tags: ['simulation'],
        summary: 'Set the clock speed',
        description: 'Simulated seconds per real second: 0 pauses, 1 is real time, at most 3600.',
        body: ClockBody,
        security: CONTROL_SECURITY,
        response: { 200: ClockState, ...controlErrors(400, 503) },
      },
    },
    async (req) => app.simulation.setSpeed(req.body.speed),
  )
}
export default clock
