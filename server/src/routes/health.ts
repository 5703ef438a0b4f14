import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HealthResponse } from '@marketsim/shared-types'
import { errorResponses } from './schemas.js'

/** Readiness for load balancers (Railway's healthcheck): 503 until the world is built. */
const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness of the simulation',
        response: { 200: { ...HealthResponse, description: 'The simulation is ready' }, ...errorResponses(503) },
      },
    },
    async () => {
      app.streams.assertReady()
      return { status: 'ok' as const }
    },
  )
}
export default health
