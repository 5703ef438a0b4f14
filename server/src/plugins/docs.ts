import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { BEARER } from '../routes/schemas.js'

export const API_TAGS = [
  { name: 'health', description: 'Liveness and readiness' },
  { name: 'streams', description: 'The stream catalog' },
  { name: 'simulation', description: 'Simulation state, history, events and clock' },
  { name: 'scenarios', description: 'Pre-defined scenarios and their lifecycle' },
]

/**
 * OpenAPI generated from the route schemas (one source with validation), served as JSON at
 * /docs/json and as a browsable page at /docs. Must be registered before the routes.
 */
export default fp<{ version: string }>(
  async (app, opts) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Marketplace simulator API',
          description:
            'REST API of the tutoring-marketplace simulator. Errors are always `{ "error": { "code", "message", "details"? } }`. ' +
            'Live events: WebSocket at `/ws` (see README, "WebSocket protocol").',
          version: opts.version,
        },
        tags: API_TAGS,
        components: {
          securitySchemes: {
            [BEARER]: {
              type: 'http',
              scheme: 'bearer',
              description:
                'Only when the server runs with ADMIN_TOKEN: the state-changing endpoints (scenario, stop, reset, clock) then need ' +
                '`Authorization: Bearer <ADMIN_TOKEN>` (401 UNAUTHORIZED otherwise). Without it they are open. Reads are always public.',
            },
          },
        },
      },
    })
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } })
  },
  { name: 'docs' },
)
