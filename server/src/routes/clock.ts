import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ClockBody, ClockState } from '@marketsim/shared-types'
import type { FastifyRequest } from 'fastify'
import { Errors } from '../errors.js'
import { CONTROL_SECURITY, controlErrors, errorResponses } from './schemas.js'

/**
 * The virtual clock: read it, pause it (speed 0), run it up to 3600× real time, or send it back
 * to the wall clock (`{ live: true }`).
 */
const clock: FastifyPluginAsyncTypebox = async (app) => {
  const ready = async () => app.streams.assertReady()

  app.get(
    '/simulation/clock',
    {
      onRequest: ready,
      schema: {
        operationId: 'getClock',
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
      preValidation: exactlyOne,
      schema: {
        operationId: 'setClock',
        tags: ['simulation'],
        summary: 'Set the clock speed, or return to the wall clock',
        description:
          'Exactly one of `speed` and `live`. `speed`: simulated seconds per real second, 0 pauses, 1 is real time, at most 3600; ' +
          'the offset from the wall clock this opens is kept (`offsetMs`), across restarts too. ' +
          '`{ "live": true }` (SIM_START unset): back to the wall clock at 1× by simulating forward to it, at most a simulated day per ' +
          'request (a clock further behind keeps the rest as its offset; call again). Time never goes backward: a clock ahead of the wall ' +
          'clock answers 409 CLOCK_CONFLICT (pause until the wall clock catches up, or run on at 1× ahead), and so does a world with a fixed SIM_START.',
        body: ClockBody,
        security: CONTROL_SECURITY,
        response: { 200: ClockState, ...controlErrors(400, 409, 503) },
      },
    },
    async (req) => {
      const state = await app.simulation.control(() => (req.body.live ? app.simulation.goLive() : app.simulation.setSpeed(req.body.speed!)))
      req.log.info({ control: 'clock', ...req.body, speedNow: state.speed, offsetMs: state.offsetMs }, req.body.live ? 'control: clock back to live' : `control: clock speed ${req.body.speed}`)
      return state
    },
  )
}
/** Both or neither of speed and live: said in words (the schema alone would count properties). */
async function exactlyOne(req: FastifyRequest): Promise<void> {
  const b: unknown = req.body
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return
  const n = ['speed', 'live'].filter((k) => k in b).length
  if (n !== 1) throw Errors.invalidRequest('Send exactly one of speed and live', n === 0 ? 'neither was sent' : 'both were sent')
}

export default clock
