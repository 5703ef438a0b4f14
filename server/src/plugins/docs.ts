import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { BEARER } from '../routes/schemas.js'
import { asyncApiDocument } from '../docs/asyncapi.js'
import type { JsonObject } from '../docs/named-schemas.js'
import { withNamedComponents } from '../docs/openapi.js'

/** Where the WebSocket protocol is described (AsyncAPI 3.0); the OpenAPI description links it, so /docs shows the link. */
export const ASYNCAPI_PATH = '/docs/asyncapi.json'

export const API_TAGS = [
  { name: 'health', description: 'Liveness and readiness' },
  { name: 'streams', description: 'The stream catalog' },
  { name: 'simulation', description: 'Simulation state, history, events and clock' },
  { name: 'scenarios', description: 'Pre-defined scenarios and their lifecycle' },
  { name: 'detector', description: 'The detector lab: labelled anomaly windows from the ground truth' },
]

/**
 * OpenAPI generated from the route schemas (one source with validation), served as JSON at
 * /docs/json and as a browsable page at /docs, with the shared schemas as named components;
 * the WebSocket protocol as AsyncAPI at ASYNCAPI_PATH. Must be registered before the routes.
 */
export default fp<{ version: string }>(
  async (app, opts) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Marketplace simulator API',
          description:
            'REST API of the tutoring-marketplace simulator. Errors are always `{ "error": { "code", "message", "details"? } }`. ' +
            `Live events: WebSocket at \`/ws\`, described as AsyncAPI 3.0 in [${ASYNCAPI_PATH}](${ASYNCAPI_PATH}) (channels, topics, every message). ` +
            'Every operation has an `operationId` and the shared shapes are named in `components.schemas`, so `npx openapi-typescript <server>/docs/json` gives a typed client.',
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
      // Only the openapi form is ever generated here (the `openapi` option above).
      transformObject: (doc) => withNamedComponents((doc as { openapiObject: JsonObject }).openapiObject),
    })
    app.get(ASYNCAPI_PATH, { schema: { hide: true } }, async (req) =>
      asyncApiDocument({ version: opts.version, host: req.host, secure: req.protocol === 'https', catalog: app.streams.catalog }),
    )
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } })
  },
  { name: 'docs' },
)
