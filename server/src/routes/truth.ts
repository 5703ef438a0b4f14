import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { CorrelationsResponse, GroundTruthResponse, StreamName } from '@marketsim/shared-types'
import { Errors } from '../errors.js'
import { CorrelationCache } from '../scenarios/correlations.js'
import { groundTruth } from '../scenarios/ground-truth.js'
import { formatIso } from '../sim/payload.js'
import { ResponseCache, sendSerialized } from '../response-cache.js'
import { errorResponses } from './schemas.js'
import { parseTime, pastRange } from './time-range.js'

const optionalTime = (raw: string | undefined, name: string) => (raw === undefined ? undefined : parseTime(raw, name))

/** What the simulator did (ground truth) and what the data shows around events (correlations). */
const truth: FastifyPluginAsyncTypebox = async (app) => {
  const cache = new ResponseCache(16)
  const correlations = new CorrelationCache()
  app.addHook('onRequest', async () => app.streams.assertReady())

  app.get(
    '/simulation/ground-truth',
    {
      config: { validationCode: 'INVALID_TIME_RANGE' },
      schema: {
        operationId: 'getGroundTruth',
        tags: ['scenarios'],
        summary: 'Every effect the simulator applied in a range',
        description:
          'The answer key for anomaly detectors: scenario modifiers, the events scenarios injected, background events that moved streams, ' +
          'random anomalies and cascades, per stream, with onset, peak, end and the factor over time (every 15 minutes).',
        querystring: Type.Object({ start: Type.String(), end: Type.String() }),
        response: { 200: GroundTruthResponse, ...errorResponses(400, 503) },
      },
    },
    async (req, reply) => {
      const sim = app.simulation.sim
      const { start, end } = pastRange(req.query, sim)
      const key = `truth|${sim.version}|${sim.lastModifiedMs}|${sim.now}|${req.url}`
      const hit = cache.get(key)
      if (hit) return sendSerialized(reply, hit)
      const effects = groundTruth(sim, start, end)
      const body = JSON.stringify({ timeRange: { start: formatIso(start), end: formatIso(Math.min(end, sim.now)) }, count: effects.length, effects })
      cache.set(key, body)
      return sendSerialized(reply, body)
    },
  )

  app.get(
    '/simulation/correlations',
    {
      config: { validationCode: 'INVALID_REQUEST' },
      schema: {
        operationId: 'getCorrelations',
        tags: ['scenarios'],
        summary: 'How streams moved around timeline events',
        description: 'One record per (event, stream): Pearson r between the event window and the normalized series, confidence, means and change. Filters combine with AND.',
        querystring: Type.Object({
          eventId: Type.Optional(Type.String()),
          stream: Type.Optional(StreamName),
          startTime: Type.Optional(Type.String()),
          endTime: Type.Optional(Type.String()),
        }),
        response: { 200: CorrelationsResponse, ...errorResponses(400, 404, 503) },
      },
    },
    async (req, reply) => {
      const sim = app.simulation.sim
      if (req.query.stream !== undefined && !sim.engine.model.index.has(req.query.stream)) throw Errors.streamNotFound(req.query.stream, 400)
      const startTime = optionalTime(req.query.startTime, 'startTime')
      const endTime = optionalTime(req.query.endTime, 'endTime')
      // Kept per world and computed a piece at a time: a distinct query is a filter of what is known.
      const list = await correlations.list(sim, { eventId: req.query.eventId, stream: req.query.stream, startTime, endTime })
      const body = JSON.stringify({ count: list.length, correlations: list })
      return sendSerialized(reply, body)
    },
  )
}
export default truth
