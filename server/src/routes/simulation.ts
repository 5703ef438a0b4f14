import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { HistoryQuery, HistoryResponse, RecentEventsResponse, SimulationState, StreamName, type HistoryInterval } from '@marketsim/shared-types'
import { Errors } from '../errors.js'
import { formatIso } from '../sim/payload.js'
import { ResponseCache, sendSerialized } from '../response-cache.js'
import { errorResponses } from './schemas.js'
import { pastRange, streamsParam } from './time-range.js'

export const INTERVAL_MS: Record<HistoryInterval, number> = {
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '6h': 21_600_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
}
/** A history response holds at most this many points (streams × points). */
export const MAX_HISTORY_POINTS = 100_000


/** State, history and recent events of the one simulated world. */
const simulation: FastifyPluginAsyncTypebox = async (app) => {
  const historyCache = new ResponseCache()

  // Until the history is built there is no world to describe.
  app.addHook('onRequest', async () => app.streams.assertReady())

  app.get(
    '/simulation/state',
    {
      schema: {
        operationId: 'getSimulationState',
        tags: ['simulation'],
        summary: 'The simulation state',
        description: 'Baseline or custom, active scenario modifiers and events, historical mode, simulated time.',
        response: { 200: SimulationState, ...errorResponses(503) },
      },
    },
    async () => app.simulation.scenarios.state(),
  )

  app.get(
    '/simulation/history',
    {
      config: { validationCode: 'INVALID_TIME_RANGE' },
      schema: {
        operationId: 'getHistory',
        tags: ['simulation'],
        summary: 'History points of the streams',
        description:
          'Points at `interval` (default 12h) aligned to UTC, for every aligned time t with start ≤ t ≤ end; each point covers [t, t + interval). ' +
          '`value` is the raw count (a mean level for snapshot streams), `normalized` a 0-100 T-score against what was expected at that time. ' +
          'The range must start inside the simulated history and before the current simulated time; an end in the future is cut at now. ' +
          'The point still filling at that time carries `partial: true`: its count so far against what was expected so far. ' +
          '`world=baseline` answers the same window from the world without any scenario (built on first request after a scenario, a few seconds). ' +
          `At most ${MAX_HISTORY_POINTS.toLocaleString('en')} points (streams × points) per request.`,
        querystring: HistoryQuery,
        response: { 200: HistoryResponse, ...errorResponses(400, 503) },
      },
    },
    async (req, reply) => {
      const current = app.simulation.sim
      const sim = req.query.world === 'baseline' ? await app.simulation.baselineWorld() : current
      // The same instant of the same world gives the same answer; a rebuild or a control action is another world.
      const key = `${sim.version}|${sim.lastModifiedMs}|${sim.now}|${req.url}`
      const cached = historyCache.get(key)
      if (cached) return sendSerialized(reply, cached)
      const { start, end } = pastRange(req.query, sim)
      const names = streamsParam(req.query.streams || undefined, sim)
      const index = sim.engine.model.index
      const interval = INTERVAL_MS[req.query.interval ?? '12h']
      const until = Math.min(end, sim.now)
      const first = Math.ceil(start / interval) * interval
      const perStream = first > until ? 0 : Math.floor((until - first) / interval) + 1
      if (perStream * names.length > MAX_HISTORY_POINTS)
        throw Errors.invalidTimeRange(
          `The request would return ${(perStream * names.length).toLocaleString('en')} points; the limit is ${MAX_HISTORY_POINTS.toLocaleString('en')}`,
          'use a coarser interval, a shorter range or fewer streams',
        )
      const streams: Record<string, ReturnType<typeof sim.history>> = {}
      const baselineStats: Record<string, NonNullable<ReturnType<typeof sim.baseline.get>>> = {}
      for (const name of names) {
        streams[name] = sim.history(index.get(name)!, first, first + perStream * interval, interval)
        baselineStats[name] = sim.baseline.get(name)!
      }
      const body = JSON.stringify({ timeRange: { start: formatIso(start), end: formatIso(until) }, streams, events: sim.timelineEvents(start, until), baselineStats })
      historyCache.set(key, body)
      return sendSerialized(reply, body)
    },
  )

  app.get(
    '/simulation/events',
    {
      schema: {
        operationId: 'getRecentEvents',
        tags: ['simulation'],
        summary: 'The most recent live events',
        description: 'The latest events of the one shared timeline, oldest first; `stream` narrows to one stream.',
        querystring: Type.Object(
          {
            stream: Type.Optional(StreamName),
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: RecentEventsResponse, ...errorResponses(400, 404, 503) },
      },
    },
    async (req) => {
      const sim = app.simulation.sim
      let streams: number[] | undefined
      if (req.query.stream !== undefined) {
        const i = sim.engine.model.index.get(req.query.stream)
        if (i === undefined) throw Errors.streamNotFound(req.query.stream, 404)
        streams = [i]
      }
      return { events: sim.recent.latest(req.query.limit, streams) }
    },
  )
}
export default simulation
