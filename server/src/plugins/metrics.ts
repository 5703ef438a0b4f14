import { monitorEventLoopDelay } from 'node:perf_hooks'
import fp from 'fastify-plugin'
import { CONTENT_TYPE, Histogram, Registry } from '../metrics/exposition.js'

export interface MetricsOptions {
  /** Sampling resolution of the event-loop delay monitor (ms). */
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
const NS_PER_S = 1e9

/**
 * GET /metrics in Prometheus text format. Every figure is read at scrape time from what the
 * app already keeps (the hub's counters, the world's buckets, the host's clock); only the HTTP
 * latencies and the event-loop monitor are gathered here. Public and outside /api, like /docs,
 * and hidden from the OpenAPI document: it is for operators, not for dashboard developers.
 */
export default fp<MetricsOptions>(
  async (app, opts) => {
    if (!(Number.isInteger(opts.eventLoopResolutionMs) && opts.eventLoopResolutionMs > 0)) {
      throw new Error(`metrics: eventLoopResolutionMs must be a positive integer (got ${String(opts.eventLoopResolutionMs)})`)
    }
    const registry = new Registry()
    app.decorate('metrics', registry)

    // The simulated world. A backdated activation or a reset rebuilds it and counts its past
    // anew: the per-stream counter then restarts, which Prometheus' rate() reads as a reset.
    registry.counter('marketsim_events_generated_total', 'Events generated per stream since the history start (history and live).', () => {
      const sim = app.simulation.sim
      const counts = sim.eventCounts()
      return sim.streamNames.map((stream, i) => [{ stream }, counts[i]!])
    })
    registry.gauge('marketsim_simulation_lag_seconds', 'Simulated seconds the world is behind its clock (0 when it keeps up).', () => app.simulation.lagMs() / 1000)
    registry.gauge('marketsim_simulation_speed', 'Clock speed: simulated seconds per real second (0 = paused).', () => app.simulation.clockState().speed)
    registry.gauge('marketsim_simulation_ready', '1 once the history is built and the clock runs, 0 before.', () => (app.streams.ready ? 1 : 0))

    // The WebSocket hub.
    const stats = app.hub.stats
    registry.gauge('marketsim_ws_clients', 'WebSocket clients connected now.', () => app.hub.size)
    registry.counter('marketsim_ws_messages_sent_total', 'WebSocket frames sent (batches, events, catch-ups, pings, pulses, errors ...).', () => stats.sent)
    registry.counter('marketsim_ws_sent_bytes_total', 'Payload bytes of the WebSocket frames sent (UTF-8).', () => stats.bytes)
    registry.counter('marketsim_ws_slow_consumer_disconnects_total', 'Clients closed with 4008 because their unsent backlog passed the limit.', () => stats.slowDisconnects)
    registry.counter('marketsim_ws_heartbeat_disconnects_total', 'Clients dropped for staying silent (no pong, no message) past WS_PONG_TIMEOUT_MS.', () => stats.heartbeatDisconnects)
    registry.counter('marketsim_ws_catchups_refused_total', 'Catch-ups refused (CATCHUP_RATE_LIMITED) past the per-connection or per-address budget.', () => stats.catchupsRefused)
    registry.counter('marketsim_ws_catchups_total', 'Catch-up requests (subscribe with lastSeq or lastTimestamp), by whether the buffer still reached back.', () => [
      [{ complete: 'true' }, stats.catchups - stats.incompleteCatchups],
      [{ complete: 'false' }, stats.incompleteCatchups],
    ])

    // HTTP: the route pattern, never the raw URL, bounds the label values.
    const latency = new Histogram('marketsim_http_request_duration_seconds', 'HTTP request duration, from arrival to the response sent.', ['method', 'route', 'status_code'], LATENCY_BUCKETS)
    registry.register(latency)
    app.addHook('onResponse', async (req, reply) => {
      latency.observe({ method: req.method, route: req.routeOptions.url ?? UNMATCHED, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000)
    })

    // The process: event-loop delay since the previous scrape, memory, CPU.
    const loop = monitorEventLoopDelay({ resolution: opts.eventLoopResolutionMs })
    loop.enable()
    app.addHook('onClose', async () => loop.disable())
    // One window per scrape, read once for the three gauges, then a new window starts.
    let window = { p50: 0, p99: 0, max: 0 }
    registry.onScrape(() => {
      // Before any sample the histogram reports huge sentinels: say 0 instead.
      window = loop.count > 0 ? { p50: loop.percentile(50) / NS_PER_S, p99: loop.percentile(99) / NS_PER_S, max: loop.max / NS_PER_S } : { p50: 0, p99: 0, max: 0 }
      loop.reset()
    })
    registry.gauge('nodejs_eventloop_lag_p50_seconds', 'Median event-loop delay since the previous scrape.', () => window.p50)
    registry.gauge('nodejs_eventloop_lag_p99_seconds', '99th percentile event-loop delay since the previous scrape.', () => window.p99)
    registry.gauge('nodejs_eventloop_lag_max_seconds', 'Longest event-loop delay since the previous scrape.', () => window.max)
    registry.gauge('process_resident_memory_bytes', 'Resident set size.', () => process.memoryUsage.rss())
    registry.gauge('nodejs_heap_used_bytes', 'V8 heap in use.', () => process.memoryUsage().heapUsed)
    registry.counter('process_cpu_seconds_total', 'User and system CPU time of the process.', () => {
      const u = process.cpuUsage()
      return (u.user + u.system) / 1e6
    })
    registry.gauge('process_start_time_seconds', 'When the process started (Unix seconds).', () => Math.round(performance.timeOrigin / 1000))

    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => reply.type(CONTENT_TYPE).send(registry.render()))
  },
  { name: 'metrics', dependencies: ['streams', 'websocket'] },
)
