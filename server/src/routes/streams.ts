import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { StreamCatalogResponse } from '@marketsim/shared-types'

/** The stream catalog: what each of the 50 streams is, how often it fires and what it carries. */
const streams: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/streams',
    {
      schema: {
        tags: ['streams'],
        summary: 'The stream catalog',
        description: 'Name, domain, description, cadence class, weekday baseline rate and payload field domains of every stream.',
        response: { 200: StreamCatalogResponse },
      },
    },
    async () => ({ count: app.streams.catalog.length, streams: [...app.streams.catalog] }),
  )
}
export default streams
