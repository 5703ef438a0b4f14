import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HealthResponse } from '@marketsim/shared-types'
import { errorResponses } from './schemas.js'

/** Readiness for load balancers (Railway's healthcheck): 503 until the world is built. */
const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        operationId: 'getHealth',
        tags: ['health'],
        summary: 'Readiness of the simulation',
        description: 'ok, or degraded (still serving: 200) with the reasons; 503 NOT_READY while the world is being built.',
        response: { 200: { ...HealthResponse, description: 'The simulation is ready' }, ...errorResponses(503) },
      },
    },
    async () => {
      app.streams.assertReady()
      const reasons = app.health.degraded
      return reasons.length === 0 ? { status: 'ok' as const } : { status: 'degraded' as const, reasons }
    },
  )
}
export default health
