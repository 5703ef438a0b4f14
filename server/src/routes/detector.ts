import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { DetectorScoreBody, DetectorScoreResponse, DetectorWindowsResponse, HistoryInterval, MAX_DETECTOR_FLAGS, StreamName } from '@marketsim/shared-types'
import { Errors } from '../errors.js'
import { DEFAULT_THRESHOLD, WINDOW_CONVENTION, windowsOf } from '../detector/windows.js'
import { scoreDetector } from '../detector/score.js'
import { labelledCsv, pointsIn } from '../detector/labels.js'
import { readSuite, suiteNames } from '../detector/suites.js'
import { expandSuite, parseOptions, scenarioRuns } from '../export/options.js'
import { countedWorld } from '../export/window.js'
import type { Simulation } from '../sim/simulation.js'
import { groundTruth } from '../scenarios/ground-truth.js'
import { formatIso } from '../sim/payload.js'
import { errorResponses } from './schemas.js'
import { parseTime, pastRange, streamsParam } from './time-range.js'
import { INTERVAL_MS, MAX_HISTORY_POINTS } from './simulation.js'

/** A million flags of about 80 bytes each, and room to spare. */
const SCORE_BODY_LIMIT = 128 * 1024 * 1024

function requireRange(body: { start?: string; end?: string }): { start: string; end: string } {
  if (body.start === undefined || body.end === undefined) throw Errors.invalidRequest('start and end are required (or a suite)', 'give start and end, or suite')
  return { start: body.start, end: body.end }
}

/** The detector lab: labelled anomaly windows from the ground truth, and scores against them. */
const detector: FastifyPluginAsyncTypebox = async (app) => {
  // The last suite's world, counted to its window's end: built once (a second or so), then reused.
  let suiteCache: { name: string; sim: Simulation } | undefined
  const suiteWorld = (name: string, body: { start?: string; end?: string }) => {
    const suite = readSuite(app.configDir, name)
    if (!suite) throw Errors.invalidRequest(`No suite named ${name}`, `suites: ${suiteNames(app.configDir).join(', ')}`)
    if (suiteCache?.name !== name) {
      const o = parseOptions(expandSuite(['--suite', name], app.configDir), suite.seed)
      suiteCache = { name, sim: countedWorld({ ...o, runs: () => scenarioRuns(o, app.world) }, app.world) }
    }
    const sim = suiteCache.sim
    const { start, end } = pastRange({ start: body.start ?? suite.from, end: body.end ?? suite.to }, sim)
    return { sim, start, end, threshold: suite.threshold }
  }

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
      const streams = req.query.streams ? new Set(streamsParam(req.query.streams, sim)) : undefined
      const threshold = req.query.threshold ?? DEFAULT_THRESHOLD
      const windows = windowsOf(groundTruth(sim, start, end), threshold, streams)
      return { timeRange: { start: formatIso(start), end: formatIso(Math.min(end, sim.now)) }, threshold, convention: WINDOW_CONVENTION, count: windows.length, windows }
    },
  )

  app.get(
    '/detector/labels',
    {
      config: { validationCode: 'INVALID_REQUEST' },
      schema: {
        operationId: 'getDetectorLabels',
        tags: ['detector'],
        summary: 'A labelled series as CSV (timestamp,value,is_anomaly)',
        description:
          "One stream's counts per complete interval in the range, with is_anomaly 1 where the interval overlaps one of its labelled windows (see /api/detector/windows): the layout of Yahoo S5 and NAB data files.",
        querystring: Type.Object({
          start: Type.String(),
          end: Type.String(),
          stream: StreamName,
          interval: Type.Optional({ ...HistoryInterval, default: '5m' }),
          threshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
        }),
        response: { 200: Type.String({ description: 'text/csv' }), ...errorResponses(400, 503) },
      },
    },
    async (req, reply) => {
      const sim = app.simulation.sim
      const { start, end } = pastRange(req.query, sim)
      if (!sim.engine.model.index.has(req.query.stream)) throw Errors.streamNotFound(req.query.stream, 400)
      const interval = INTERVAL_MS[req.query.interval ?? '5m']
      const until = Math.min(end, sim.now)
      const points = pointsIn(start, until, interval)
      if (points > MAX_HISTORY_POINTS) throw Errors.invalidTimeRange(`The series would hold ${points.toLocaleString('en')} points; the limit is ${MAX_HISTORY_POINTS.toLocaleString('en')}`, 'use a coarser interval or a shorter range')
      const windows = windowsOf(groundTruth(sim, start, until), req.query.threshold ?? DEFAULT_THRESHOLD, new Set([req.query.stream]))
      return reply.type('text/csv; charset=utf-8').send(labelledCsv(sim, req.query.stream, start, until, interval, windows))
    },
  )

  app.post(
    '/detector/score',
    {
      bodyLimit: SCORE_BODY_LIMIT,
      config: { validationCode: 'INVALID_REQUEST' },
      schema: {
        operationId: 'scoreDetector',
        tags: ['detector'],
        summary: "Score a detector's flags against the labelled windows",
        description: `NAB scores (standard, reward_low_FP, reward_low_FN; 0 = no detections, 100 = a flag at the start of every window) and per stream and overall counts. At most ${MAX_DETECTOR_FLAGS.toLocaleString('en')} flags, all within [start, end).`,
        body: DetectorScoreBody,
        response: { 200: DetectorScoreResponse, ...errorResponses(400, 413, 503) },
      },
    },
    async (req) => {
      const body = req.body
      const { sim, start, end, threshold: suiteThreshold } = body.suite !== undefined ? suiteWorld(body.suite, body) : { sim: app.simulation.sim, threshold: undefined, ...pastRange(requireRange(body), app.simulation.sim) }
      const until = Math.min(end, sim.now)
      const known = sim.engine.model.index
      const streams = body.streams ?? sim.streamNames
      for (const s of streams) if (!known.has(s)) throw Errors.streamNotFound(s, 400)
      const watched = new Set(streams)
      const flags = body.flags.map((f, i) => {
        if (!watched.has(f.stream)) {
          if (!known.has(f.stream)) throw Errors.streamNotFound(f.stream, 400)
          throw Errors.invalidRequest(`flags[${i}] is on a stream the request does not watch`, `flags[${i}].stream=${f.stream}`)
        }
        const t = parseTime(f.timestamp, `flags[${i}].timestamp`, Errors.invalidRequest)
        if (t < start || t >= until) throw Errors.invalidRequest(`flags[${i}] lies outside the range scored`, `flags[${i}].timestamp=${f.timestamp}; range ${formatIso(start)} to ${formatIso(until)}`)
        return { stream: f.stream, t }
      })
      const threshold = body.threshold ?? suiteThreshold ?? DEFAULT_THRESHOLD
      const windows = windowsOf(groundTruth(sim, start, until), threshold, watched)
      return { timeRange: { start: formatIso(start), end: formatIso(until) }, threshold, ...scoreDetector(windows, flags, streams, start, until) }
    },
  )
}

export default detector
