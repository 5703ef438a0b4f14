import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Domain, StreamCatalogResponse, StreamInfo, StreamName } from '@marketsim/shared-types'
import { Errors } from '../errors.js'
import { errorResponses } from './schemas.js'

/** A catalog entry with its live window as it stands now (count streams). */
function withWindow(s: StreamInfo, windows: Map<string, number>): StreamInfo {
  const w = windows.get(s.name)
  return w === undefined ? s : { ...s, liveWindowSeconds: w }
}

/** The stream catalog: what each of the 50 streams is, how often it fires and what it carries. */
const streams: FastifyPluginAsyncTypebox = async (app) => {
  const byName = new Map(app.streams.catalog.map((s) => [s.name, s]))

  app.get(
    '/streams',
    {
      schema: {
        operationId: 'listStreams',
        tags: ['streams'],
        summary: 'The stream catalog',
        description: 'Name, domain, description, cadence class, weekday baseline rate and payload field domains of every stream.',
        querystring: Type.Object({ domain: Type.Optional(Domain) }, { additionalProperties: false }),
        response: { 200: StreamCatalogResponse, ...errorResponses(400) },
      },
    },
    async (req) => {
      const windows = app.simulation.sim.liveWindows()
      const list = app.streams.catalog.filter((s) => !req.query.domain || s.domain === req.query.domain).map((s) => withWindow(s, windows))
      return { count: list.length, streams: list }
    },
  )

  app.get(
    '/streams/:name',
    {
      schema: {
        operationId: 'getStream',
        tags: ['streams'],
        summary: 'One stream of the catalog',
        params: Type.Object({ name: StreamName }),
        response: { 200: StreamInfo, ...errorResponses(404) },
      },
    },
    async (req) => {
      const s = byName.get(req.params.name)
      if (!s) throw Errors.streamNotFound(req.params.name, 404)
      return withWindow(s, app.simulation.sim.liveWindows())
    },
  )
}
export default streams
