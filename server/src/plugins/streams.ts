import fp from 'fastify-plugin'
import type { StreamInfo } from '@marketsim/shared-types'
import { buildCatalog } from '../catalog.js'

export interface StreamsService {
  /** The 50 streams as GET /api/streams describes them, in config order. */
  readonly catalog: readonly StreamInfo[]
  /** True once the world is built and the clock runs; /api/health answers 503 until then. */
  readonly ready: boolean
  /** Builds the world (history, then the live clock). Idempotent. */
  start(): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    streams: StreamsService
  }
}

/**
 * The streams plugin owns the catalog and the simulation's start. With `autoStart` (the
 * default) the world is built when the app is ready; server.ts turns it off so it can listen
 * first and answer health checks with 503 while the history is being built.
 */
export default fp<{ autoStart: boolean }>(
  async (app, opts) => {
    const catalog = buildCatalog(app.world)
    let ready = false
    let starting: Promise<void> | undefined
    const service: StreamsService = {
      catalog,
      get ready() {
        return ready
      },
      start() {
        starting ??= (async () => {
          // The simulation core (history and live clock) attaches here.
          ready = true
          app.log.info({ streams: catalog.length }, 'simulation ready')
        })()
        return starting
      },
    }
    app.decorate('streams', service)
    if (opts.autoStart) app.addHook('onReady', () => service.start())
  },
  { name: 'streams', dependencies: ['config'] },
)
