import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { DetectorWindowsResponse } from '@marketsim/shared-types'
import { Errors } from '../errors.js'
import { DEFAULT_THRESHOLD, WINDOW_CONVENTION, windowsOf } from '../detector/windows.js'
import { groundTruth } from '../scenarios/ground-truth.js'
import { formatIso } from '../sim/payload.js'
import { errorResponses } from './schemas.js'
import { pastRange } from './time-range.js'

/** The detector lab: labelled anomaly windows from the ground truth. */
const detector: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', async () => app.streams.assertReady())

  app.get(
    '/detector/windows',
    {
      config: { validationCode: 'INVALID_REQUEST' },
      schema: {
        operationId: 'getDetectorWindows',
        tags: ['detector'],
        summary: 'Labelled anomaly windows in a range',
        description: `One window per stream and applied effect where the stream's count moves by more than \`threshold\` (default ${DEFAULT_THRESHOLD}). ${WINDOW_CONVENTION}`,
        querystring: Type.Object({
          start: Type.String(),
          end: Type.String(),
          streams: Type.Optional(Type.String({ description: 'comma-separated stream names; all streams when absent' })),
          threshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10, description: `|ratio − 1| beyond which a stream counts as moved (default ${DEFAULT_THRESHOLD})` })),
        }),
        response: { 200: DetectorWindowsResponse, ...errorResponses(400, 503) },
      },
    },
    async (req) => {
      const sim = app.simulation.sim
      const { start, end } = pastRange(req.query, sim)
      let streams: Set<string> | undefined
      if (req.query.streams !== undefined) {
        streams = new Set(req.query.streams.split(',').map((s) => s.trim()))
        for (const s of streams) if (!sim.engine.model.index.has(s)) throw Errors.streamNotFound(s, 400)
      }
      const threshold = req.query.threshold ?? DEFAULT_THRESHOLD
      const windows = windowsOf(groundTruth(sim, start, end), threshold, streams)
      return { timeRange: { start: formatIso(start), end: formatIso(Math.min(end, sim.now)) }, threshold, convention: WINDOW_CONVENTION, count: windows.length, windows }
    },
  )
}

export default detector
