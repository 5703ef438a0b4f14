import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { DEFAULT_ADMIN_DIR, DEFAULT_CONFIG_DIR } from './paths.js'
import { validatorCompiler } from './validation.js'
import type { HostOptions } from './simulation-host.js'
import { DEFAULT_HISTORY_DAYS } from './env.js'
import configPlugin from './plugins/config.js'
import errorsPlugin from './plugins/errors.js'
import corsPlugin from './plugins/cors.js'
import docsPlugin from './plugins/docs.js'
import adminPlugin from './plugins/admin.js'
import streamsPlugin from './plugins/streams.js'
import scenariosPlugin from './plugins/scenarios.js'
import websocketPlugin from './plugins/websocket.js'
import healthRoutes from './routes/health.js'
import streamRoutes from './routes/streams.js'
import scenarioRoutes from './routes/scenarios.js'
import simulationRoutes from './routes/simulation.js'
import clockRoutes from './routes/clock.js'
import truthRoutes from './routes/truth.js'

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
  simulation?: Partial<HostOptions>
  /** WebSocket heartbeat and slow-consumer limits. */
  websocket?: { pingIntervalMs?: number; pongTimeoutMs?: number; maxBufferBytes?: number; now?: () => number }
}

/** The default seed: a plain `npm start` is reproducible. */
export const DEFAULT_SEED = 42

function simulationOptions(o: Partial<HostOptions> = {}): HostOptions {
  return {
    seed: o.seed ?? DEFAULT_SEED,
    // The wall clock is read here, in the shell, never in the core.
    startMs: o.startMs ?? Math.floor(Date.now() / 1000) * 1000,
    historyDays: o.historyDays ?? DEFAULT_HISTORY_DAYS,
    speed: o.speed ?? 1,
    tickMs: o.tickMs ?? 50,
    realNow: o.realNow,
    expectation: o.expectation,
  }
}

export const VERSION = '0.1.0'

/** Builds the whole service; nothing listens until the caller says so. */
export async function buildApp(options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 64 * 1024,
    // The world is built in an onReady hook when autoStart is on; a slow machine needs time.
    pluginTimeout: 120_000,
    // Answer 503 to requests that arrive while closing; in-flight ones finish.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Cap what a caller can send us before the schemas even see it.
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.setValidatorCompiler(validatorCompiler())

  await app.register(errorsPlugin)
  await app.register(configPlugin, { configDir: options.configDir ?? DEFAULT_CONFIG_DIR })
  await app.register(corsPlugin, { origins: options.corsOrigins ?? '*' })
  await app.register(docsPlugin, { version: VERSION })
  await app.register(streamsPlugin, { autoStart: options.autoStart ?? true, ...simulationOptions(options.simulation) })
  await app.register(scenariosPlugin)
  await app.register(websocketPlugin, {
    pingIntervalMs: options.websocket?.pingIntervalMs ?? 30_000,
    pongTimeoutMs: options.websocket?.pongTimeoutMs ?? 90_000,
    maxBufferBytes: options.websocket?.maxBufferBytes ?? 1024 * 1024,
    now: options.websocket?.now,
  })

  await app.register(
    async (api) => {
      await api.register(healthRoutes)
      await api.register(streamRoutes)
      await api.register(scenarioRoutes)
      await api.register(simulationRoutes)
      await api.register(clockRoutes)
      await api.register(truthRoutes)
    },
    { prefix: '/api' },
  )
  await app.register(adminPlugin, { dir: options.adminDir ?? DEFAULT_ADMIN_DIR })
  app.get('/', { schema: { hide: true } }, (_req, reply) => reply.redirect('/admin/'))
  return app
}
