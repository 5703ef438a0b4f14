import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { DEFAULT_ADMIN_DIR, DEFAULT_CONFIG_DIR } from './paths.js'
import { validatorCompiler } from './validation.js'
import type { HostOptions } from './simulation-host.js'
import configPlugin from './plugins/config.js'
import errorsPlugin, { clientErrorHandler, frameworkErrors } from './plugins/errors.js'
import requestLogPlugin from './plugins/request-log.js'
import corsPlugin from './plugins/cors.js'
import strictQueryPlugin from './plugins/strict-query.js'
import docsPlugin from './plugins/docs.js'
import adminPlugin from './plugins/admin.js'
import streamsPlugin from './plugins/streams.js'
import scenariosPlugin from './plugins/scenarios.js'
import websocketPlugin from './plugins/websocket.js'
import loadPlugin from './plugins/load.js'
import upgradePlugin from './plugins/upgrade.js'
import controlsPlugin from './plugins/controls.js'
import metricsPlugin from './plugins/metrics.js'
import healthRoutes from './routes/health.js'
import streamRoutes from './routes/streams.js'
import scenarioRoutes from './routes/scenarios.js'
import simulationRoutes from './routes/simulation.js'
import clockRoutes from './routes/clock.js'
import truthRoutes from './routes/truth.js'
import detectorRoutes from './routes/detector.js'

export interface AppOptions {
  /** Directory holding streams.json, relationships.json, … (default: the repository's config/). */
  configDir?: string
  /** The built admin console (default: admin-ui/dist). */
  adminDir?: string
  /** pino logger options, or false for none (tests). */
  logger?: FastifyServerOptions['logger']
  /** `*` or a list of allowed origins. */
  corsOrigins?: '*' | string[]
  /** Build the world when the app is ready (default true); server.ts starts it after listen instead. */
  autoStart?: boolean
  /** The simulated world: seed, live start, history length, clock speed, tick. */
  simulation?: Partial<HostOptions> & { defaultStartMs?: number }
  /** Take the client address from X-Forwarded-For (true, or the number of proxy hops); default false. */
  trustProxy?: boolean | number
  /** Where the control journal lives (`:memory:` or unset: none, as in tests). */
  stateDir?: string
  /**
   * The state-changing endpoints: with `adminToken` they need `Authorization: Bearer <token>`
   * (without it they are open and unlimited, the demo default); `rateLimitPerMinute` per client IP
   * applies with a token (default 30).
   */
  controls?: { adminToken?: string; rateLimitPerMinute?: number }
  /** WebSocket heartbeat, slow-consumer and catch-up limits. */
  websocket?: {
    pingIntervalMs?: number
    pongTimeoutMs?: number
    maxBufferBytes?: number
    pulseMs?: number
    /** The largest `catchup` frame in bytes (default 64 KB). */
    catchupFrameBytes?: number
    /** Catch-ups per minute for one connection (default 12) and for one address (default 60). */
    catchupsPerMinute?: number
    catchupsPerIpPerMinute?: number
    now?: () => number
  }
  /** GET /metrics: how finely the event-loop delay is sampled (default 20 ms). */
  metrics?: { eventLoopResolutionMs?: number }
  /** How long a client may take to send a request; tests shorten them (defaults: HTTP_TIMEOUTS). */
  http?: Partial<typeof HTTP_TIMEOUTS>
}

/**
 * The HTTP server's timeouts (ms). Headers within 10 s and a whole request (bodies are at most
 * 64 KB) within 30 s, so a client trickling bytes holds a connection for seconds, not forever;
 * Node checks them every `checkIntervalMs`. An idle keep-alive connection stays open 72 s,
 * longer than the 60 s idle timeout of common load balancers, which must close it first or
 * they would send a request into a connection we are closing (a 502).
 */
export const HTTP_TIMEOUTS = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 72_000, checkIntervalMs: 1_000 }

/** Control requests a client may send per minute unless told otherwise: a presenter clicks far fewer. */
export const DEFAULT_CONTROL_RATE_LIMIT = 30

/**
 * Catch-ups a connection / an address may ask for per minute: a console reconnects a few times
 * at most; a loop of fresh connections asking for the whole buffer is refused.
 */
export const DEFAULT_CATCHUPS_PER_MINUTE = 12
export const DEFAULT_CATCHUPS_PER_IP_PER_MINUTE = 60

export const VERSION = '0.1.0'

/** Builds the whole service; nothing listens until the caller says so. */
export async function buildApp(options: AppOptions = {}): Promise<FastifyInstance> {
  const timeouts = { ...HTTP_TIMEOUTS, ...options.http }
  const app = Fastify({
    logger: options.logger ?? false,
    // plugins/request-log.ts logs each request once, with its answer.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // The world is built in an onReady hook when autoStart is on; a slow machine needs time.
    pluginTimeout: 120_000,
    // Requests that arrive while closing get a 503 from plugins/errors.ts, in the envelope
    // (Fastify's own is not); in-flight ones finish.
    return503OnClosing: false,
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    http: { headersTimeout: timeouts.headersTimeoutMs, connectionsCheckingInterval: timeouts.checkIntervalMs },
    // Node's own answers (a request line that is not HTTP, 431, a timeout) in the envelope.
    clientErrorHandler,
    forceCloseConnections: 'idle',
    // Cap what a caller can send us before the schemas even see it.
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
    // A number of hops or a flag; Fastify's overloads want one type, and both are valid at run time.
    trustProxy: (options.trustProxy ?? false) as boolean,
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.setValidatorCompiler(validatorCompiler())

  await app.register(requestLogPlugin)
  await app.register(errorsPlugin)
  // Before any route: it hooks their registration.
  await app.register(strictQueryPlugin)
  await app.register(configPlugin, { configDir: options.configDir ?? DEFAULT_CONFIG_DIR })
  await app.register(corsPlugin, { origins: options.corsOrigins ?? '*' })
  await app.register(docsPlugin, { version: VERSION })
  await app.register(controlsPlugin, {
    adminToken: options.controls?.adminToken,
    rateLimitPerMinute: options.controls?.rateLimitPerMinute ?? DEFAULT_CONTROL_RATE_LIMIT,
    origins: options.corsOrigins ?? '*',
  })
  await app.register(streamsPlugin, { autoStart: options.autoStart ?? true, simulation: options.simulation ?? {}, stateDir: options.stateDir })
  await app.register(scenariosPlugin)
  await app.register(loadPlugin)
  await app.register(websocketPlugin, {
    pingIntervalMs: options.websocket?.pingIntervalMs ?? 30_000,
    pongTimeoutMs: options.websocket?.pongTimeoutMs ?? 90_000,
    maxBufferBytes: options.websocket?.maxBufferBytes ?? 1024 * 1024,
    pulseMs: options.websocket?.pulseMs,
    catchupFrameBytes: options.websocket?.catchupFrameBytes,
    catchupsPerMinute: options.websocket?.catchupsPerMinute ?? DEFAULT_CATCHUPS_PER_MINUTE,
    catchupsPerIpPerMinute: options.websocket?.catchupsPerIpPerMinute ?? DEFAULT_CATCHUPS_PER_IP_PER_MINUTE,
    now: options.websocket?.now,
  })
  await app.register(upgradePlugin)
  // Before the routes: its onResponse hook times every request registered after it.
  await app.register(metricsPlugin, { eventLoopResolutionMs: options.metrics?.eventLoopResolutionMs ?? 20 })

  await app.register(
    async (api) => {
      await api.register(healthRoutes)
      await api.register(streamRoutes)
      await api.register(scenarioRoutes)
      await api.register(simulationRoutes)
      await api.register(clockRoutes)
      await api.register(truthRoutes)
      await api.register(detectorRoutes)
    },
    { prefix: '/api' },
  )
  await app.register(adminPlugin, { dir: options.adminDir ?? DEFAULT_ADMIN_DIR })
  app.get('/', { schema: { hide: true } }, (_req, reply) => reply.redirect('/admin/'))
  return app
}
