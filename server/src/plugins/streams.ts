import fp from 'fastify-plugin'
import type { StreamInfo } from '@marketsim/shared-types'
import { buildCatalog } from '../catalog.js'
import { Errors } from '../errors.js'
import { HealthState } from '../health-state.js'
import { openWorld } from '../journal/open.js'
import { SimulationHost, type HostOptions } from '../simulation-host.js'

export interface StreamsService {
  /** The 50 streams as GET /api/streams describes them, in config order. */
  readonly catalog: readonly StreamInfo[]
  /** True once the world is built and the clock runs; /api/health answers 503 until then. */
  readonly ready: boolean
  /** Throws NOT_READY (503 in the envelope) until `ready`: the guard of every route that needs the world. */
  assertReady(): void
  /** Builds the world (history, then the live clock). Idempotent. */
  start(): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    streams: StreamsService
    /** The running simulation (present once `streams.start()` has resolved). */
    simulation: SimulationHost
    /** Reasons the server is degraded while it still serves (GET /api/health lists them). */
    health: HealthState
  }
}

export interface StreamsPluginOptions {
  autoStart: boolean
  /** What was asked for; unset fields take their defaults, or the journal's world. */
  simulation: Partial<HostOptions> & { defaultStartMs?: number }
  /** The control journal's directory (`:memory:` or unset: none). */
  stateDir: string | undefined
}

/**
 * The streams plugin owns the catalog, the simulation and its clock tick. With `autoStart`
 * (the default) the world is built when the app is ready; server.ts turns it off so it can
 * listen first and answer health checks with 503 while the history is being built. With a
 * state directory, control actions are journalled and a restart replays them.
 */
export default fp<StreamsPluginOptions>(
  async (app, opts) => {
    const catalog = buildCatalog(app.world)
    const { options, persistence } = openWorld(app.world, opts.simulation, opts.stateDir, app.log)
    const health = new HealthState()
    const host = new SimulationHost(app.world, options, app.log, persistence, health)
    let starting: Promise<void> | undefined
    const service: StreamsService = {
      catalog,
      get ready() {
        return host.ready
      },
      assertReady() {
        if (!host.ready) throw Errors.notReady('The simulation is starting', 'history is being built')
      },
      start() {
        starting ??= host.start()
        return starting
      },
    }
    app.decorate('health', health)
    app.decorate('streams', service)
    app.decorate('simulation', host)
    if (opts.autoStart) app.addHook('onReady', () => service.start())
    app.addHook('onClose', async () => host.stop())
  },
  { name: 'streams', dependencies: ['config'] },
)
