import fp from 'fastify-plugin'
import { Histogram, Registry } from 'prom-client'
import { processMetrics, readMetric, render, type Reading } from '../metrics/prometheus.js'

export interface MetricsOptions {
  /** Sampling resolution of the event-loop delay monitor (ms); the process's first app sets it. */
  eventLoopResolutionMs: number
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's metrics (one registry per app: tests build many apps in one process). */
    metrics: Registry
  }
}

/** Upper bounds of the HTTP latency histogram (seconds): cached reads are ~1 ms, history misses tens. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
/** Requests no route matched share one label, so random URLs cannot grow the series. */
const UNMATCHED = '(unmatched)'

/**
 * GET /metrics in Prometheus text format. Every figure is read at scrape time from what the
 * app already keeps (the hub's counters, the world's buckets, the host's clock); only the HTTP
 * latencies are gathered here; the process's metrics are prom-client's defaults. Public and
 * outside /api, like /docs, and hidden from the OpenAPI document: it is for operators, not for
 * dashboard developers.
 */
export default fp<MetricsOptions>(
  async (app, opts) => {
    if (!(Number.isInteger(opts.eventLoopResolutionMs) && opts.eventLoopResolutionMs > 0)) {
      throw new Error(`metrics: eventLoopResolutionMs must be a positive integer (got ${String(opts.eventLoopResolutionMs)})`)
    }
    const registry = new Registry()
    const processRegistry = processMetrics(opts.eventLoopResolutionMs)
    app.decorate('metrics', registry)
    const gauge = (name: string, help: string, read: () => Reading, labels?: string[]) => readMetric(registry, 'gauge', name, help, read, labels)
    const counter = (name: string, help: string, read: () => Reading, labels?: string[]) => readMetric(registry, 'counter', name, help, read, labels)

    // The simulated world. A backdated activation or a reset rebuilds it and counts its past
    // anew: the per-stream counter then restarts, which Prometheus' rate() reads as a reset.
    counter('marketsim_events_generated_total', 'Events generated per stream since the history start (history and live).', () => {
      const sim = app.simulation.sim
      const counts = sim.eventCounts()
      return sim.streamNames.map((stream, i) => [{ stream }, counts[i]!])
    }, ['stream'])
    gauge('marketsim_simulation_lag_seconds', 'Simulated seconds the world is behind its clock (0 when it keeps up).', () => app.simulation.lagMs() / 1000)
    gauge('marketsim_simulation_speed', 'Clock speed: simulated seconds per real second (0 = paused).', () => app.simulation.clockState().speed)
    gauge('marketsim_simulation_ready', '1 once the history is built and the clock runs, 0 before.', () => (app.streams.ready ? 1 : 0))

    // The WebSocket hub.
    const stats = app.hub.stats
    gauge('marketsim_ws_clients', 'WebSocket clients connected now.', () => app.hub.size)
    counter('marketsim_ws_messages_sent_total', 'WebSocket frames sent (batches, events, catch-ups, pings, pulses, errors ...).', () => stats.sent)
    counter('marketsim_ws_sent_bytes_total', 'Payload bytes of the WebSocket frames sent (UTF-8).', () => stats.bytes)
    counter('marketsim_ws_slow_consumer_disconnects_total', 'Clients closed with 4008 because their unsent backlog passed the limit.', () => stats.slowDisconnects)
    counter('marketsim_ws_heartbeat_disconnects_total', 'Clients dropped for staying silent (no pong, no message) past WS_PONG_TIMEOUT_MS.', () => stats.heartbeatDisconnects)
    counter('marketsim_ws_catchups_refused_total', 'Catch-ups refused (CATCHUP_RATE_LIMITED) past the per-connection or per-address budget.', () => stats.catchupsRefused)
    counter('marketsim_ws_catchups_total', 'Catch-up requests (subscribe with lastSeq or lastTimestamp), by whether the buffer still reached back.', () => [
      [{ complete: 'true' }, stats.catchups - stats.incompleteCatchups],
      [{ complete: 'false' }, stats.incompleteCatchups],
    ], ['complete'])

    // HTTP: the route pattern, never the raw URL, bounds the label values.
    const latency = new Histogram({
      name: 'marketsim_http_request_duration_seconds',
      help: 'HTTP request duration, from arrival to the response sent.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    })
    app.addHook('onResponse', async (req, reply) => {
      latency.observe({ method: req.method, route: req.routeOptions.url ?? UNMATCHED, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000)
    })

    // Beside prom-client's process metrics (CPU, resident memory, event-loop delay, GC …): the
    // heap in use under the name this app has always given it.
    gauge('nodejs_heap_used_bytes', 'V8 heap in use.', () => process.memoryUsage().heapUsed)

    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
      const { contentType, text } = await render(registry, processRegistry)
      return reply.type(contentType).send(text)
    })
  },
  { name: 'metrics', dependencies: ['streams', 'websocket'] },
)
