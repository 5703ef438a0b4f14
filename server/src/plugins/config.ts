import fp from 'fastify-plugin'
import { loadConfig, type WorldConfig } from '../config/load.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The validated contents of config/. */
    world: WorldConfig
  }
}

/** Loads and validates config/ once; an invalid file fails the boot with a ConfigError. */
export default fp<{ configDir: string }>(
  async (app, opts) => {
    app.decorate('world', loadConfig(opts.configDir))
  },
  { name: 'config' },
)
